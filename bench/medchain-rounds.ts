/**
 * medchain's rounds: fixed-load levels to find saturation, fixed-rate at 90% of it,
 * maximum-rate, the mix workload, live signing through the SDK, block sizes, and commit
 * rate against chain length. Each round runs against a fresh network in its own directory.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BlockSeen, MedchainTargetSpec, RoundRequest } from './generator-protocol.js';
import { initNetwork, type RunningNetwork, startNetwork } from './medchain-network.js';
import { MemorySampler } from './memory-sampler.js';
import type { SuitePlan } from './plan.js';
import { Progress } from './progress.js';
import type { ControllerSpec } from './rate-control.js';
import { type RoundResult, roundResult, runGeneratorRound } from './round-runner.js';
import type { WorkloadName } from './workloads.js';

/** With BENCH_DEBUG=1, prints how long each phase of a round took. */
export function phaseTimer(name: string): (phase: string) => void {
  let last = performance.now();
  return (phase) => {
    if (process.env.BENCH_DEBUG === '1') {
      const now = performance.now();
      process.stderr.write(`[${name}] ${phase} after ${((now - last) / 1000).toFixed(2)} s\n`);
      last = now;
    }
  };
}

export interface MedchainRoundOptions {
  name: string;
  workload: WorkloadName;
  controller: ControllerSpec;
  /** Transactions of the measured part; the warm-up's come on top. */
  count: number;
  sendSMax: number;
  /** Seconds before the measured part (plan.warmupS unless given; 0 for none). */
  warmupS?: number;
  blockTransactionsMax?: number;
  /** Validators of the round's network; 1 unless a scaling round says otherwise. */
  validators?: number;
  liveClients?: number;
  batchMax?: number;
  notes?: string[];
  /** How often each server process's resident memory is sampled. */
  memorySampleMs?: number;
}

/**
 * Transactions the warm-up sends: a fixed rate's worth of its seconds, else the measured
 * part's count in proportion (fixed loads are sized from a rate ceiling, not a rate).
 */
export function warmupTransactions(
  round: { controller: ControllerSpec; count: number; sendSMax: number },
  warmupS: number,
): number {
  if (warmupS <= 0) {
    return 0;
  }
  const { controller } = round;
  if (controller.kind === 'fixed-rate') {
    return Math.ceil(controller.tps * warmupS);
  }
  return Math.ceil((round.count * warmupS) / Math.max(1, round.sendSMax));
}

/** A fresh network, one round against it, then the node stopped and its directory removed. */
export async function medchainRound(
  plan: SuitePlan,
  options: MedchainRoundOptions,
): Promise<{ result: RoundResult; blocks: BlockSeen[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'medchain-bench-'));
  let network: RunningNetwork | undefined;
  const progress = new Progress(options.name);
  const phase = phaseTimer(options.name);
  try {
    const blockTransactionsMax = options.blockTransactionsMax ?? 10_000;
    const validators = options.validators ?? 1;
    const init = { validators, blockTransactionsMax, mempoolCapacity: 100_000 };
    const port = await initNetwork({ dir, ...init });
    phase('initialized');
    network = await startNetwork(dir, port).catch(async (error: Error) => {
      // A start that hangs has been seen once in many runs, with no output to explain it;
      // one retry in a fresh directory on fresh ports keeps a long suite from failing.
      process.stderr.write(`[${options.name}] start failed, retrying once: ${error.message}\n`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      return startNetwork(dir, await initNetwork({ dir, ...init }));
    });
    phase('node started');
    const target: MedchainTargetSpec = {
      kind: 'medchain',
      url: network.url,
      dir,
      chainId: network.chainId,
      workload: options.workload,
      seed: plan.seed,
      firstMember: 0,
    };
    if (options.liveClients !== undefined) {
      target.liveClients = options.liveClients;
    }
    const warmupS = options.liveClients === undefined ? (options.warmupS ?? plan.warmupS) : 0;
    const request: RoundRequest = {
      name: options.name,
      target,
      controller: options.controller,
      count: options.count + warmupTransactions(options, warmupS),
      warmupS,
      sendSMax: options.sendSMax,
      drainSMax: 30,
      batchMax: options.batchMax ?? 2_000,
    };
    const sampler = new MemorySampler(network.pid, options.memorySampleMs ?? 1_000);
    const measured = await runGeneratorRound(request, {
      serverPid: network.pid,
      onGo: () => sampler.start(),
      onProgress: (update) => progress.update(update),
    });
    const memory = sampler.stop();
    progress.end();
    phase('round measured');
    const notes = [
      `${validators} validator${validators === 1 ? '' : 's'}`,
      ...(options.notes ?? []),
    ];
    const meta = { system: 'medchain' as const, workload: options.workload, notes };
    const result = { ...roundResult(request, measured, meta), memory };
    return { result, blocks: measured.blocks };
  } catch (error) {
    progress.end();
    const output = network?.output() ?? '';
    throw new Error(`round ${options.name}: ${(error as Error).message}\nnode output:\n${output}`);
  } finally {
    await network?.stop();
    rmSync(dir, { recursive: true, force: true });
    phase('node stopped');
  }
}
