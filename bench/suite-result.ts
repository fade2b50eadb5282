/**
 * The result of a whole suite run, as written to bench/results/*.json: the machine, the
 * plan, every round, and the derived figures (saturation, ratios, growth, physical limit).
 */
import type { ConsentCheckResult, FhirReadResult } from './health-reads.js';
import type { SuitePlan } from './plan.js';
import type { RoundResult } from './round-runner.js';
import type { SignatureLimit } from './signature-limit.js';
import type { MachineInfo } from './system.js';
import type { VaultBenchResult } from './vault.bench.js';

/** The health-records figures: vault streaming, consent decisions, FHIR reads. */
export interface HealthFigures {
  vault?: VaultBenchResult;
  consent?: ConsentCheckResult;
  fhir?: FhirReadResult;
}

export interface GrowthSegment {
  /** Chain length (transactions committed) at the end of the segment. */
  transactionsEnd: number;
  heightEnd: number;
  commitRateTps: number;
}

export interface Ratio {
  name: string;
  value: number | undefined;
  numerator: string;
  denominator: string;
  target?: string;
}

export interface SuiteResult {
  machine: MachineInfo;
  /** Load average when the last round ended, the suite's own last rounds included. */
  loadAverageEnd: [number, number, number];
  /**
   * Share of the machine's CPU capacity used by anything but the suite over the run
   * (bench/system.ts, OtherWork); absent where /proc is missing.
   */
  otherWorkShare?: number;
  plan: SuitePlan;
  rounds: RoundResult[];
  saturationTps: number | undefined;
  signatureLimits: SignatureLimit[];
  growth: GrowthSegment[];
  health: HealthFigures;
  ratios: Ratio[];
  pending: string[];
  /** Problems that make the run fail (non-zero exit). */
  problems: string[];
  durationS: number;
}

/** Commit rate per tenth of the chain, from the blocks a round saw. */
export function growthSegments(
  blocks: { height: number; transactionCount: number; seenAtMs: number }[],
  segments = 10,
): GrowthSegment[] {
  const sorted = [...blocks].sort((a, b) => a.height - b.height);
  const total = sorted.reduce((sum, block) => sum + block.transactionCount, 0);
  const out: GrowthSegment[] = [];
  let committed = 0;
  let segmentStartMs = sorted[0]?.seenAtMs ?? 0;
  let segmentTransactions = 0;
  for (const block of sorted) {
    committed += block.transactionCount;
    segmentTransactions += block.transactionCount;
    const boundary = (total * (out.length + 1)) / segments;
    if (committed >= boundary && block.seenAtMs > segmentStartMs) {
      const seconds = (block.seenAtMs - segmentStartMs) / 1000;
      out.push({
        transactionsEnd: committed,
        heightEnd: block.height,
        commitRateTps: segmentTransactions / seconds,
      });
      segmentStartMs = block.seenAtMs;
      segmentTransactions = 0;
    }
  }
  return out;
}
