/**
 * The packet simulator: every message between replicas passes through here and may be
 * lost, delayed (which reorders), duplicated, or blocked by a partition. Partitions are a
 * set of blocked directed links, so symmetric and one-way cuts are the same mechanism.
 * Packets travel as JSON text, as on a real wire: no object is shared between replicas.
 */
import type { Prng } from './prng.js';
import type { Scheduler } from './scheduler.js';

export interface NetworkOptions {
  lossRate: number;
  delayMinMs: number;
  delayMaxMs: number;
  /** Chance that a packet takes a long detour (up to 10× the maximum delay). */
  reorderRate: number;
  duplicateRate: number;
}

export const CALM_NETWORK: NetworkOptions = {
  lossRate: 0,
  delayMinMs: 1,
  delayMaxMs: 10,
  reorderRate: 0,
  duplicateRate: 0,
};

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  blocked: number;
  duplicated: number;
}

export class PacketSimulator {
  options: NetworkOptions;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, blocked: 0, duplicated: 0 };
  private readonly blocked = new Set<string>();

  constructor(
    options: NetworkOptions,
    private readonly deps: {
      prng: Prng;
      scheduler: Scheduler;
      deliver: (to: number, from: number, text: string) => void;
    },
  ) {
    this.options = { ...options };
  }

  send(from: number, to: number, text: string): void {
    this.stats.sent++;
    if (this.blocked.has(`${from}>${to}`)) {
      this.stats.blocked++;
      return;
    }
    const { prng } = this.deps;
    if (prng.chance(this.options.lossRate)) {
      this.stats.lost++;
      return;
    }
    this.schedule(from, to, text);
    if (prng.chance(this.options.duplicateRate)) {
      this.stats.duplicated++;
      this.schedule(from, to, text);
    }
  }

  private schedule(from: number, to: number, text: string): void {
    const { prng, scheduler } = this.deps;
    const { delayMinMs, delayMaxMs, reorderRate } = this.options;
    let delay = prng.between(delayMinMs, delayMaxMs);
    if (prng.chance(reorderRate)) {
      delay += prng.between(delayMaxMs, delayMaxMs * 10);
    }
    scheduler.after(delay, () => {
      this.stats.delivered++;
      this.deps.deliver(to, from, text);
    });
  }

  /** Cuts every link between the two groups, both ways. */
  partition(groupA: readonly number[], groupB: readonly number[]): void {
    this.cutOneWay(groupA, groupB);
    this.cutOneWay(groupB, groupA);
  }

  /** Packets from `senders` to `receivers` are dropped; the reverse direction still works. */
  cutOneWay(senders: readonly number[], receivers: readonly number[]): void {
    for (const from of senders) {
      for (const to of receivers) {
        if (from !== to) {
          this.blocked.add(`${from}>${to}`);
        }
      }
    }
  }

  /** Cuts one replica off from everyone. */
  isolate(node: number, all: readonly number[]): void {
    this.partition([node], all);
  }

  heal(): void {
    this.blocked.clear();
  }

  get partitioned(): boolean {
    return this.blocked.size > 0;
  }
}
