/**
 * A simulated disk for one replica's write-ahead log. Appends land in a volatile buffer;
 * `sync` makes them durable. A crash keeps the durable records and, like a real page
 * cache, possibly a prefix of the unsynced ones; everything else is lost.
 */
import type { WalRecord } from '../../protocol/consensus/types.js';
import type { Prng } from './prng.js';

export class SimDisk {
  private durable: WalRecord[] = [];
  private volatile: WalRecord[] = [];
  /** Records lost to crashes over the run (a fault class the report counts). */
  lostRecords = 0;

  append(record: WalRecord): void {
    // A deep copy: what is on disk cannot change when the engine's objects do.
    this.volatile.push(JSON.parse(JSON.stringify(record)) as WalRecord);
  }

  sync(): void {
    this.durable.push(...this.volatile);
    this.volatile = [];
  }

  get dirty(): boolean {
    return this.volatile.length > 0;
  }

  crash(prng: Prng): void {
    const kept = prng.int(this.volatile.length + 1);
    this.lostRecords += this.volatile.length - kept;
    this.durable.push(...this.volatile.slice(0, kept));
    this.volatile = [];
  }

  /** Amnesia: the whole log is gone (a new disk). Outside the fault model; for tests. */
  wipe(): void {
    this.durable = [];
    this.volatile = [];
  }

  read(): WalRecord[] {
    return this.durable.map((record) => JSON.parse(JSON.stringify(record)) as WalRecord);
  }

  /** Drops records of heights below `height`, keeping the markers the amnesia check needs. */
  prune(height: number, heightOf: (record: WalRecord) => number): void {
    this.durable = this.durable.filter((record) => heightOf(record) >= height);
  }
}
