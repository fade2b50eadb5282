/**
 * Real node processes for end-to-end tests: start `medchain` (a whole network with `up`,
 * or one validator with `node`) as a child process on free loopback ports, wait until its
 * API answers, kill it (SIGKILL or SIGTERM), and read keys from a network directory.
 * Every wait is bounded so a broken node fails a test instead of hanging it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sodiumSigner } from '../node/crypto/index.js';
import type { Signer } from '../protocol/core/crypto.js';
import { decryptKeystore, parseKeystore } from '../sdk/keystore.js';

/** The project root: the nearest folder above this file with medchain's package.json. */
function projectRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json')) || !existsSync(join(directory, 'bin'))) {
    const parent = dirname(directory);
    if (parent === directory) {
      throw new Error('cannot find the medchain project root');
    }
    directory = parent;
  }
  return directory;
}

/** The installed entry point; found by walking up, since this file runs from src/ or dist/. */
export const MEDCHAIN_BIN = join(projectRoot(), 'bin', 'medchain.js');

/** Whether `port` on loopback can be bound right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/**
 * Ports are drawn from below 32,768, where no common system hands out ephemeral ports
 * (Linux starts there, macOS and Windows at 49,152). A port found free in the ephemeral
 * range can be taken by any outgoing connection before the node binds it, and four
 * validators dialling each other make many: that failed a test run with EADDRINUSE.
 */
const PORT_LOW = 20_000;
const PORT_HIGH = 32_768;

/**
 * The first of `count` consecutive free loopback ports: a network directory lays its
 * validators' API and transport addresses out on consecutive ports.
 */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW - count));
    let free = true;
    for (let port = base; port < base + count && free; port++) {
      free = await isFree(port);
    }
    if (free) {
      return base;
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
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

export interface StartNodeOptions {
  /** Arguments after `medchain`, e.g. ['up', '--dir', dir]. */
  args: string[];
  /** The API base URL the node will serve, polled until it answers. */
  url: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the API (default 30 s). */
  timeoutMs?: number;
}

/** Spawns the CLI as a long-running node and waits until its API answers. */
export async function startNode(options: StartNodeOptions): Promise<NodeProcess> {
  const child = spawn(process.execPath, [MEDCHAIN_BIN, ...options.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const { url } = options;
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const handle: NodeProcess = {
    child,
    url,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      return exited;
    },
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) {
        throw new Error(`node exited early (${child.exitCode}):\n${output}`);
      }
      const response = await fetch(`${url}/v1/status`).catch(() => undefined);
      return response?.ok === true;
    }, options.timeoutMs ?? 30_000);
  } catch (error) {
    // Never leave a half-started node behind a failed test.
    await handle.kill('SIGKILL');
    throw error;
  }
  return handle;
}

/** `medchain up` on a network directory, its first validator's API on `port`. */
export async function startNetwork(dir: string, port: number): Promise<NodeProcess> {
  return startNode({
    args: ['up', '--dir', dir, '--api', `127.0.0.1:${port}`],
    url: `http://127.0.0.1:${port}`,
    timeoutMs: 60_000,
  });
}

/** One validator process (`medchain node`) from its node directory, API at `url`. */
export async function startValidator(
  nodeDir: string,
  url: string,
  env?: NodeJS.ProcessEnv,
): Promise<NodeProcess> {
  return startNode({ args: ['node', '--dir', nodeDir], url, ...(env ? { env } : {}) });
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
