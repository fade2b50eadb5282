/**
 * A medchain demo network for one round: `medchain init` into a fresh directory, the
 * node's configuration adjusted for the round (block size), `medchain up` as its own
 * process, and the organization admins' signers read from their demo keystores.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signer } from '../src/protocol/core/crypto.js';
import { DEMO_ORGANIZATION_IDS } from '../src/protocol/genesis/demo.js';
import { adminKeyPath, freePorts, keystoreSigner } from '../src/testing/node-process.js';
import { startChild, stopChild, waitUntil } from './child-processes.js';

/** The repository root: the nearest folder above this file holding package.json. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('dist')) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error('cannot find the repository root above the benchmark');
    }
    dir = parent;
  }
  return dir;
}

const ORGANIZATIONS = Object.values(DEMO_ORGANIZATION_IDS);

export interface NetworkOptions {
  dir: string;
  /** Organizations running a validator, each in its own process (1 to 4 in the demo). */
  validators: number;
  blockTransactionsMax: number;
  mempoolCapacity: number;
}

export interface RunningNetwork {
  dir: string;
  url: string;
  pid: number;
  chainId: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function medchainBin(): string {
  return join(repositoryRoot(), 'bin', 'medchain.js');
}

/**
 * Creates the network directory and sets every validator's block and mempool sizes. The
 * validators take consecutive ports, API and transport each a run found free.
 */
export async function initNetwork(options: NetworkOptions): Promise<number> {
  const port = await freePorts(options.validators);
  const p2p = await freePorts(options.validators);
  const args = [medchainBin(), 'init', '--dir', options.dir, '--api', `127.0.0.1:${port}`];
  args.push('--p2p', `127.0.0.1:${p2p}`, '--validators', String(options.validators));
  const init = startChild(process.execPath, args, {});
  const code = await new Promise<number | null>((done) => init.child.once('exit', done));
  if (code !== 0) {
    throw new Error(`medchain init failed (${code}): ${init.output()}`);
  }
  for (const name of readdirSync(join(options.dir, 'nodes'))) {
    const configPath = join(options.dir, 'nodes', name, 'node.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    config.blockTransactionsMax = options.blockTransactionsMax;
    config.mempoolCapacity = options.mempoolCapacity;
    // BENCH_CONSENSUS='{"batchWaitMs":50}' overrides consensus timing, for investigation.
    const consensus = process.env.BENCH_CONSENSUS;
    if (consensus !== undefined && consensus !== '') {
      config.consensus = consensusOverride(consensus);
    }
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  }
  return port;
}

function consensusOverride(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`BENCH_CONSENSUS must be a JSON object, e.g. '{"batchWaitMs":60}'`);
  }
  return value as Record<string, unknown>;
}

/** Starts `medchain up` and waits (at most 30 s) until its API answers. */
export async function startNetwork(dir: string, port: number): Promise<RunningNetwork> {
  const api = `127.0.0.1:${port}`;
  // BENCH_NODE_ARGS passes flags to the supervisor's and the validators' runtimes, e.g.
  // "--cpu-prof --cpu-prof-dir=/tmp/profiles" to profile them.
  const flags = process.env.BENCH_NODE_ARGS ?? '';
  const nodeArgs = flags.split(' ').filter((arg) => arg !== '');
  const args = [...nodeArgs, medchainBin(), 'up', '--dir', dir, '--api', api];
  const env = { ...process.env, MEDCHAIN_VALIDATOR_NODE_ARGS: flags };
  const started = startChild(process.execPath, args, { cwd: dir, env });
  const url = `http://${api}`;
  let chainId = '';
  try {
    await waitUntil('medchain node', 30_000, async () => {
      if (started.child.exitCode !== null) {
        throw new Error(`the node exited (${started.child.exitCode}): ${started.output()}`);
      }
      // Bounded, so one request that never gets an answer cannot use up the whole wait.
      const signal = AbortSignal.timeout(2_000);
      const response = await fetch(`${url}/v1/status`, { signal }).catch(() => undefined);
      if (response?.ok !== true) {
        return false;
      }
      chainId = ((await response.json()) as { chainId: string }).chainId;
      return true;
    });
  } catch (error) {
    await stopChild(started.child, 0);
    throw new Error(`${(error as Error).message}; node output: ${started.output() || '(none)'}`);
  }
  return {
    dir: resolve(dir),
    url,
    pid: started.child.pid!,
    chainId,
    child: started.child,
    output: started.output,
    // The round's directory is thrown away, so nothing is gained by waiting for a clean stop.
    stop: () => stopChild(started.child, Number(process.env.BENCH_NODE_STOP_GRACE_MS ?? 0)),
  };
}

/** The four organization admins' signers, hospital first. */
export async function adminSigners(dir: string): Promise<Signer[]> {
  return Promise.all(ORGANIZATIONS.map((id) => keystoreSigner(adminKeyPath(dir, id))));
}
