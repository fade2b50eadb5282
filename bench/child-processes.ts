/**
 * Every process the suite starts (nodes, the Hardhat node, load generators) is registered
 * here and killed when the suite exits for any reason, so a failed or interrupted run never
 * leaves a node holding a port or a CPU core behind it.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { processTree } from './system.js';

const children = new Set<ChildProcess>();
let hooksInstalled = false;

/** SIGKILL to a process and every descendant (a supervisor's children would outlive it). */
export function killTree(pid: number): void {
  for (const member of processTree(pid).reverse()) {
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      killTree(child.pid);
    }
  }
  children.clear();
}

function installHooks(): void {
  if (hooksInstalled) {
    return;
  }
  hooksInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Starts and registers a child; the tail of its output is kept for error messages. */
export function startChild(
  command: string,
  args: string[],
  options: SpawnOptions,
): { child: ChildProcess; output(): string } {
  installHooks();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  track(child);
  return { child, output: () => output };
}

export function track(child: ChildProcess): void {
  installHooks();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Stops a child: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Taken before the signal: once the parent is gone its children are reparented.
  const tree = child.pid === undefined ? [] : processTree(child.pid);
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const pid of tree.reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` every 100 ms until it holds; throws after `timeoutMs` or when it throws. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not ready within ${timeoutMs} ms`);
}
