/**
 * Running a node: the HTTP API on its address, the block production loop, and a clean stop
 * on SIGINT/SIGTERM that finishes the block in hand and closes the database.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApi } from '../api/app.js';
import type { Logger } from './logger.js';
import type { MedchainNode } from './medchain-node.js';
import { nodeBackend } from './node-backend.js';

export interface RunningNode {
  url: string;
  stop(): Promise<void>;
}

export class AddressError extends Error {
  override name = 'AddressError';
}

export function parseAddress(text: string): { hostname: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port > 65535) {
    throw new AddressError(`"${text}" is not host:port (for example 127.0.0.1:8080)`);
  }
  return { hostname: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Produces blocks whenever transactions wait: at once when a block is full, else each interval. */
function startBlockLoop(
  node: MedchainNode,
  intervalMs: number,
  logger: Logger,
): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    timer = undefined;
    if (stopped) {
      return;
    }
    const block = node.produceBlock();
    if (block !== undefined) {
      logger.debug('block committed', {
        height: block.height,
        transactions: block.transactionCount,
      });
    }
    const full = node.mempool.size >= node.options.blockTransactionsMax;
    timer = setTimeout(tick, full ? 0 : intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  return async () => {
    stopped = true;
    if (timer !== undefined) {
      clearTimeout(timer);
    }
  };
}

export async function runNode(
  node: MedchainNode,
  options: { api: string; blockIntervalMs: number; logger: Logger },
): Promise<RunningNode> {
  const { hostname, port } = parseAddress(options.api);
  const app = createApi(nodeBackend(node));
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname, port }, () => resolve(started as Server));
    (started as Server).once('error', reject);
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const url = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${boundPort}`;
  const stopLoop = startBlockLoop(node, options.blockIntervalMs, options.logger);
  return {
    url,
    async stop() {
      await stopLoop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
