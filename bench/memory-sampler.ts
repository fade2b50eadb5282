/**
 * Resident memory of each server process over a round, sampled on a timer: the four
 * validators of a consortium are separate processes, and the targets are per process
 * (peak, and flat over a long run), which a sum over the process tree cannot show.
 */
import { processTree, sampleProcess } from './system.js';

export interface MemorySample {
  atS: number;
  /** Resident MiB of the largest process at this instant. */
  largestMiB: number;
  /** Resident MiB of all processes together. */
  totalMiB: number;
}

export interface MemoryProfile {
  processes: number;
  /** The highest peak (VmHWM) of any single process during the round. */
  largestPeakMiB: number;
  samples: MemorySample[];
  /**
   * Largest process's mean resident memory over the last quarter of the round against the
   * second quarter (the first is warm-up): 1.0 is flat, 1.1 grew a tenth.
   */
  growthRatio: number;
}

export class MemorySampler {
  private readonly samples: MemorySample[] = [];
  private readonly peaks = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private started = 0;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 5_000,
  ) {}

  start(): void {
    this.started = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  stop(): MemoryProfile {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
    }
    this.sample();
    return {
      processes: this.peaks.size,
      largestPeakMiB: Math.max(0, ...this.peaks.values()),
      samples: this.samples,
      growthRatio: growthRatio(this.samples),
    };
  }

  private sample(): void {
    let largestMiB = 0;
    let totalMiB = 0;
    for (const member of processTree(this.pid)) {
      const usage = sampleProcess(member);
      if (usage === undefined) {
        continue;
      }
      largestMiB = Math.max(largestMiB, usage.rssMiB);
      totalMiB += usage.rssMiB;
      this.peaks.set(member, Math.max(this.peaks.get(member) ?? 0, usage.rssPeakMiB));
    }
    const atS = (performance.now() - this.started) / 1000;
    this.samples.push({ atS, largestMiB, totalMiB });
  }
}

function growthRatio(samples: MemorySample[]): number {
  if (samples.length < 8) {
    return Number.NaN;
  }
  const quarter = Math.floor(samples.length / 4);
  const mean = (from: number, to: number) => {
    const slice = samples.slice(from, to);
    return slice.reduce((sum, sample) => sum + sample.largestMiB, 0) / slice.length;
  };
  return mean(samples.length - quarter, samples.length) / mean(quarter, 2 * quarter);
}
