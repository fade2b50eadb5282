/**
 * Messages between the suite and its load generator, which runs in a process of its own
 * so that building, signing and sending transactions never shares an event loop (or a
 * garbage collector) with the node being measured.
 */
import type { ControllerSpec } from './rate-control.js';
import type { RoundFigures } from './statistics.js';
import type { WorkloadName } from './workloads.js';

export interface MedchainTargetSpec {
  kind: 'medchain';
  url: string;
  /** Network directory, where the admin keystores are. */
  dir: string;
  chainId: string;
  workload: WorkloadName;
  seed: string;
  firstMember: number;
  /** When set, clients sign live through the SDK instead of sending pre-signed batches. */
  liveClients?: number;
}

export type EvmWorkloadName = 'registration' | 'records-and-permissions';

export interface EvmTargetSpec {
  kind: 'evm';
  url: string;
  chainId: number;
  registrar: `0x${string}`;
  workload: EvmWorkloadName;
  /** automine executes each transaction as it arrives; interval mines a block every 100 ms. */
  mining: 'automine' | 'interval';
  seed: string;
  firstMember: number;
}

export type TargetSpec = MedchainTargetSpec | EvmTargetSpec;

export interface RoundRequest {
  name: string;
  target: TargetSpec;
  controller: ControllerSpec;
  /** Transactions prepared (signed) before the round starts; the most it can send. */
  count: number;
  /**
   * Seconds of sending before the measured part: the controller runs as it will, but the
   * transactions submitted in this time are left out of the figures, so that they are of
   * processes past their start (code compiled, caches filled), not of the start itself.
   */
  warmupS: number;
  /** Sending stops this many seconds after the warm-up even if transactions remain. */
  sendSMax: number;
  /** After sending stops, how long to wait for outstanding commits. */
  drainSMax: number;
  /** Most transactions in one submission request. */
  batchMax: number;
}

export interface BlockSeen {
  height: number;
  transactionCount: number;
  /** When the generator saw the block, ms on the round's clock. */
  seenAtMs: number;
}

export interface GeneratorResult {
  figures: RoundFigures;
  /** The warm-up's own figures, when the round had one. */
  warmup?: RoundFigures;
  sent: number;
  committed: number;
  /** Refused at submission, by error code. */
  rejections: Record<string, number>;
  /** Commits found by lookup after the round because their event never arrived. */
  commitsWithoutEvent: number;
  /** Times the node's event stream overflowed (`event: overflow`) during the round. */
  eventOverflows: number;
  prepareS: number;
  clientCpuS: number;
  blocks: BlockSeen[];
}

export type ToGenerator = { type: 'run'; request: RoundRequest } | { type: 'go' };

export type FromGenerator =
  | { type: 'ready'; prepareS: number }
  | { type: 'progress'; sent: number; settled: number; count: number; elapsedS: number }
  | { type: 'done'; result: GeneratorResult }
  | { type: 'failed'; message: string };
