/**
 * `medchain up`: start the consortium in a network directory (creating a demo network on
 * first run), one operating-system process per validator (`medchain node`), and supervise
 * them. A validator that dies unexpectedly is logged and restarted with backoff; the others
 * never stop because of it. Ctrl-C or SIGTERM stops every validator cleanly (SIGTERM, then
 * SIGKILL after a bound); the next start resumes at the last committed height.
 *
 * Children read their stdin from a pipe held by this process: if the supervisor itself is
 * killed, the pipe closes and each child stops on its own instead of running orphaned.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from './logger.js';
import {
  initNetworkDirectory,
  isNetworkDirectory,
  readNetworkFile,
  VALIDATORS_MAX,
} from './network-directory.js';

export interface UpOptions {
  dir: string;
  /** Overrides the API address of the first node. */
  api?: string;
  /** Transport address of the first node of a new network. */
  p2p?: string;
  /** Validators of a new network (default 4). An existing network keeps its own. */
  validators?: number;
  chainId: string;
  logger: Logger;
  print: (line: string) => void;
}

export interface UpHandle {
  urls: string[];
  stop(): Promise<void>;
}

/** How long a child is given to stop after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;
/** How long a starting validator may take before its API must answer. */
const START_TIMEOUT_MS = 60_000;
const RESTART_DELAY_MS_MIN = 1_000;
const RESTART_DELAY_MS_MAX = 30_000;

/** bin/medchain.js, found by walking up: this file runs from src/ or from dist/src/. */
function medchainBin(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, 'bin', 'medchain.js');
    if (existsSync(candidate)) {
      return candidate;
    }
    const parent = dirname(directory);
    if (parent === directory) {
      throw new Error('cannot find bin/medchain.js above the runtime');
    }
    directory = parent;
  }
}

interface Supervised {
  name: string;
  args: string[];
  child: ChildProcess | undefined;
  restarts: number;
  timer: NodeJS.Timeout | undefined;
}

export async function up(options: UpOptions): Promise<UpHandle> {
  const dir = resolve(options.dir);
  if (!isNetworkDirectory(dir)) {
    const api = options.api ?? '127.0.0.1:8080';
    const validators = options.validators ?? VALIDATORS_MAX;
    initNetworkDirectory({
      dir,
      chainId: options.chainId,
      api,
      ...(options.p2p === undefined ? {} : { p2p: options.p2p }),
      validators,
      now: new Date(),
    });
    options.print(
      `created a demo network in ${dir} (chain ${options.chainId}, ${validators} validators)`,
    );
  }
  const network = readNetworkFile(dir);
  const supervisor = new Supervisor(options.logger);
  const urls: string[] = [];
  for (const [index, entry] of network.nodes.entries()) {
    const api = index === 0 && options.api !== undefined ? options.api : entry.api;
    const nodeDir = join(dir, 'nodes', entry.name);
    supervisor.add(entry.name, [
      'node',
      '--dir',
      nodeDir,
      '--api',
      api,
      '--supervised',
      '--validators-on-host',
      String(network.nodes.length),
    ]);
    urls.push(`http://${api}`);
  }
  supervisor.startAll();
  try {
    await Promise.all(urls.map((url) => waitForApi(url, supervisor)));
  } catch (error) {
    await supervisor.stopAll();
    throw error;
  }
  for (const [index, entry] of network.nodes.entries()) {
    const status = (await (await fetch(`${urls[index]}/v1/status`)).json()) as { height: number };
    options.print(
      `node ${entry.name} (${entry.organization}) at height ${status.height}: ` +
        `API ${urls[index]}, p2p ${entry.p2p}`,
    );
  }
  return { urls, stop: () => supervisor.stopAll() };
}

async function waitForApi(url: string, supervisor: Supervisor): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (supervisor.stopping) {
      throw new Error('stopped while starting');
    }
    const response = await fetch(`${url}/v1/status`).catch(() => undefined);
    if (response?.ok === true) {
      return;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the validator at ${url} did not answer within ${START_TIMEOUT_MS} ms`);
}

class Supervisor {
  private readonly nodes: Supervised[] = [];
  private readonly bin = medchainBin();
  stopping = false;

  constructor(private readonly logger: Logger) {}

  add(name: string, args: string[]): void {
    this.nodes.push({ name, args, child: undefined, restarts: 0, timer: undefined });
  }

  startAll(): void {
    for (const node of this.nodes) {
      this.spawn(node);
    }
  }

  private spawn(node: Supervised): void {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [...validatorNodeArgs(), this.bin, ...node.args], {
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    node.child = child;
    child.once('exit', (code, signal) => {
      node.child = undefined;
      // Exit code 0 is a clean stop someone asked for (Ctrl-C reaches every process of
      // the terminal's group at once), never a crash.
      if (this.stopping || code === 0) {
        return;
      }
      // A validator that ran a while has recovered; only quick deaths lengthen the wait.
      node.restarts = Date.now() - startedAt > RESTART_DELAY_MS_MAX ? 0 : node.restarts + 1;
      const delay = Math.min(RESTART_DELAY_MS_MAX, RESTART_DELAY_MS_MIN * 2 ** node.restarts);
      this.logger.error('validator exited; restarting', {
        node: node.name,
        code: code ?? undefined,
        signal: signal ?? undefined,
        inMs: delay,
      });
      node.timer = setTimeout(() => {
        node.timer = undefined;
        if (!this.stopping) {
          this.spawn(node);
        }
      }, delay);
    });
  }

  /** SIGTERM to every validator at once, then SIGKILL to any still running after a bound. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const exits = this.nodes.map((node) => {
      if (node.timer !== undefined) {
        clearTimeout(node.timer);
      }
      const child = node.child;
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve();
      }
      return new Promise<void>((done) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      });
    });
    await Promise.all(exits);
  }
}

/**
 * The validators' default Node.js flags (docs/BENCHMARKS.md, "Garbage collection threads"
 * and "Heap limit"):
 * - One garbage-collector thread. V8 runs as many helpers as there are cores, but each
 *   validator keeps the other cores busy with its signature verifiers, and `up` runs several
 *   validators on one host, so the helpers only compete with them: one thread took 5–6%
 *   less CPU per committed transaction here (2 cores), for one validator and for four.
 * - A 384 MB old generation. V8 sizes its heap from the machine's memory (some 4 GB here)
 *   and lets garbage pile up towards that: a validator's live heap is about 100-150 MB
 *   under load, yet its resident memory kept climbing through long rounds. Bounded, four
 *   validators at 1,500 tx/s for 200 s peaked at 404 MiB instead of 479 for about 3% more
 *   CPU per transaction; one validator at saturation at 374 MiB instead of 532, at 8% less
 *   throughput.
 */
const VALIDATOR_HEAP_MB = 384;
const VALIDATOR_NODE_ARGS_DEFAULT = [
  '--single-threaded-gc',
  `--max-old-space-size=${VALIDATOR_HEAP_MB}`,
];

/**
 * Node.js flags for the validator processes: the defaults, then MEDCHAIN_VALIDATOR_NODE_ARGS
 * (space-separated), which come later and so win: e.g. a heap limit, --cpu-prof to profile
 * them (NODE_OPTIONS does not allow it), or --no-single-threaded-gc.
 */
export function validatorNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.MEDCHAIN_VALIDATOR_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  return [...VALIDATOR_NODE_ARGS_DEFAULT, ...extra];
}
