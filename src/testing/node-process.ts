/**
 * Real node processes for end-to-end tests: start `medchain` as a child process on a free
 * loopback port, wait until its API answers, kill it (SIGKILL or SIGTERM), and read keys
 * from a network directory. Every wait is bounded so a broken node fails a test instead of
 * hanging it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signer } from '../protocol/core/crypto.js';
import { decryptKeystore, parseKeystore } from '../sdk/keystore.js';
import { sodiumSigner } from '../node/crypto/index.js';

/** The installed entry point, found from this compiled file's place in dist/. */
export const MEDCHAIN_BIN = resolve(fileURLToPath(import.meta.url), '../../../../bin/medchain.js');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, [MEDCHAIN_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function startNetwork(dir: string, port: number): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [MEDCHAIN_BIN, 'up', '--dir', dir, '--api', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await waitFor(async () => {
    if (child.exitCode !== null) {
      throw new Error(`node exited early (${child.exitCode}):\n${output}`);
    }
    const response = await fetch(`${url}/v1/status`).catch(() => undefined);
    return response?.ok === true;
  }, 30_000);
  return {
    child,
    url,
    output: () => output,
    async kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** The signer of a keystore in a network directory (demo keystores are unencrypted). */
export async function keystoreSigner(path: string): Promise<Signer> {
  const keys = await decryptKeystore(parseKeystore(readFileSync(path, 'utf8')), '');
  return sodiumSigner(keys.signing.seed);
}

export function adminKeyPath(dir: string, organization = 'org-general-hospital'): string {
  return join(dir, 'keys', `${organization}-admin.json`);
}
