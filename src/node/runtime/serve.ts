/**
 * Serving a node's HTTP API on its address. Binding retries for a few seconds when the
 * port is still held: a validator restarted right after a crash may find its previous
 * process not yet gone.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type ApiOptions, createApi } from '../api/app.js';
import type { MedchainNode } from './medchain-node.js';
import { nodeBackend } from './node-backend.js';

export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

export class AddressError extends Error {
  override name = 'AddressError';
}

/** How long a busy port is retried before giving up. */
const BIND_RETRY_MS = 10_000;

export function parseAddress(text: string): { hostname: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port > 65535) {
    throw new AddressError(`"${text}" is not host:port (for example 127.0.0.1:8080)`);
  }
  return { hostname: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Longer than any client's idle timeout, so the client, not the server, closes idle sockets. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function listenOnce(
  app: ReturnType<typeof createApi>,
  hostname: string,
  port: number,
): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname, port }, () => resolve(started as Server));
    const server = started as Server;
    // Clients close idle keep-alive connections first (undici after 4 s). With the server's
    // default of 5 s, a block that holds the event loop longer lets the server's timer fire
    // on a socket the client has just reused for a POST, which fails with EPIPE.
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    server.once('error', reject);
  });
}

/** Runs `attempt` until it stops failing with EADDRINUSE or the retry window is over. */
export async function retryWhileBusy<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BIND_RETRY_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const cause = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      const busy = code === 'EADDRINUSE' || cause === 'EADDRINUSE';
      if (!busy || Date.now() > deadline) {
        throw error;
      }
      await new Promise((done) => setTimeout(done, 250));
    }
  }
}

export async function serveApi(
  node: MedchainNode,
  api: string,
  extras: Pick<ApiOptions, 'authenticator' | 'vault'> = {},
): Promise<RunningApi> {
  const { hostname, port } = parseAddress(api);
  const app = createApi(nodeBackend(node), extras);
  const server = await retryWhileBusy(() => listenOnce(app, hostname, port));
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const url = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${boundPort}`;
  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
