/**
 * Runs one round in a fresh load-generator process: prepare (sign) first, then sample the
 * node process, start the clock, and sample again at the end for its CPU time and peak
 * memory. Every wait is bounded; the generator is killed whatever happens.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, track } from './child-processes.js';
import type {
  FromGenerator,
  GeneratorResult,
  RoundRequest,
  ToGenerator,
} from './generator-protocol.js';
import type { MemoryProfile } from './memory-sampler.js';
import { describeController } from './rate-control.js';
import type { RoundFigures } from './statistics.js';
import {
  type ProcessUsage,
  resetTreePeakMemory,
  sampleProcessTree,
  usageBetween,
} from './system.js';

export interface RoundResult extends RoundFigures {
  name: string;
  system: 'medchain' | 'medrec' | 'sqlite';
  workload: string;
  controller: string;
  /** The server processes (medchain supervisor and validators, Hardhat node) in the round. */
  server: ProcessUsage | undefined;
  clientCpuCores: number;
  rejections: Record<string, number>;
  commitsWithoutEvent: number;
  eventOverflows: number;
  prepareS: number;
  notes: string[];
  /** Resident memory of each server process, sampled through the round (medchain rounds). */
  memory?: MemoryProfile;
  /** Transactions committed in each minute of the round (the soak), on the round's clock. */
  commitsPerMinute?: number[];
  /** The warm-up before the measured part, left out of the figures above. */
  warmup?: { seconds: number } & RoundFigures;
}

function generatorPath(): string {
  const self = fileURLToPath(import.meta.url);
  return self.replace(/round-runner\.(ts|js)$/, (_, extension) => `load-generator.${extension}`);
}

/**
 * The generator holds every transaction of its round, signed, from before the clock starts:
 * about 3 KiB each with its workload call and hash index. V8's default heap bound (about 4
 * GiB here) ran out at the 1.36 million of a ten-minute soak at 2,268 tx/s.
 */
export function generatorHeapMiB(transactions: number): number {
  return Math.max(4_096, Math.ceil((transactions * 4_096) / 2 ** 20) + 1_024);
}

export interface RoundHooks {
  serverPid: number | undefined;
  /** Called as the clock starts, after the generator has prepared its transactions. */
  onGo?: () => void;
  onProgress(progress: Extract<FromGenerator, { type: 'progress' }>): void;
}

/** Sends one message and waits (bounded) for the first answer of the wanted type. */
function answer<T extends FromGenerator['type']>(
  child: ReturnType<typeof fork>,
  type: T,
  timeoutMs: number,
  onProgress: RoundHooks['onProgress'],
): Promise<Extract<FromGenerator, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`load generator: no ${type} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: FromGenerator) => {
      if (message.type === 'progress') {
        onProgress(message);
      } else if (message.type === 'failed') {
        finish(new Error(`load generator failed: ${message.message}`));
      } else if (message.type === type) {
        finish(undefined, message as Extract<FromGenerator, { type: T }>);
      }
    };
    const onExit = (code: number | null) => finish(new Error(`load generator exited (${code})`));
    const finish = (error?: Error, value?: Extract<FromGenerator, { type: T }>) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      error === undefined ? resolve(value!) : reject(error);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** BENCH_GENERATOR_ARGS: extra Node.js flags for the load generator, for investigation. */
function generatorNodeArgs(): string[] {
  return (process.env.BENCH_GENERATOR_ARGS ?? '').split(' ').filter((arg) => arg !== '');
}

export async function runGeneratorRound(
  request: RoundRequest,
  hooks: RoundHooks,
): Promise<GeneratorResult & { server: ProcessUsage | undefined; wallS: number }> {
  const child = fork(generatorPath(), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [
      ...process.execArgv,
      `--max-old-space-size=${generatorHeapMiB(request.count)}`,
      ...generatorNodeArgs(),
    ],
  });
  track(child);
  try {
    const ready = answer(child, 'ready', 600_000, hooks.onProgress);
    child.send({ type: 'run', request } satisfies ToGenerator);
    const { prepareS } = await ready;
    if (process.env.BENCH_DEBUG === '1') {
      process.stderr.write(`[${request.name}] prepared in ${prepareS.toFixed(2)} s\n`);
    }
    const pid = hooks.serverPid;
    if (pid !== undefined) {
      resetTreePeakMemory(pid);
    }
    const before = pid === undefined ? undefined : sampleProcessTree(pid);
    const started = performance.now();
    const boundMs = (request.warmupS + request.sendSMax + request.drainSMax + 120) * 1000;
    const done = answer(child, 'done', boundMs, hooks.onProgress);
    child.send({ type: 'go' } satisfies ToGenerator);
    hooks.onGo?.();
    const { result } = await done;
    const wallS = (performance.now() - started) / 1000;
    const after = pid === undefined ? undefined : sampleProcessTree(pid);
    return { ...result, server: usageBetween(before, after, wallS), wallS };
  } finally {
    await stopChild(child, 2_000);
  }
}

/** A generator result in the report's shape. */
export function roundResult(
  request: RoundRequest,
  measured: GeneratorResult & { server: ProcessUsage | undefined; wallS: number },
  meta: { system: RoundResult['system']; workload: string; notes?: string[] },
): RoundResult {
  const controller = describeController(request.controller);
  return {
    name: request.name,
    system: meta.system,
    workload: meta.workload,
    controller:
      request.warmupS > 0 ? `${controller}, after ${request.warmupS} s warm-up` : controller,
    ...measured.figures,
    ...(measured.warmup === undefined
      ? {}
      : { warmup: { seconds: request.warmupS, ...measured.warmup } }),
    server: measured.server,
    clientCpuCores: measured.wallS > 0 ? measured.clientCpuS / measured.wallS : 0,
    rejections: measured.rejections,
    commitsWithoutEvent: measured.commitsWithoutEvent,
    eventOverflows: measured.eventOverflows,
    prepareS: measured.prepareS,
    notes: meta.notes ?? [],
  };
}
