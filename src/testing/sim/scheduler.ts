/**
 * Simulated time: a priority queue of events ordered by (time, insertion order). Nothing in
 * a simulation waits on the real clock; `now` jumps from event to event.
 */

interface Entry {
  time: number;
  sequence: number;
  run: () => void;
}

export class Scheduler {
  now = 0;
  private sequence = 0;
  private readonly heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  at(time: number, run: () => void): void {
    const entry = { time: Math.max(time, this.now), sequence: this.sequence++, run };
    this.heap.push(entry);
    this.up(this.heap.length - 1);
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.now + delayMs, run);
  }

  /** Runs the earliest event; false when none is left or the next is past `until`. */
  runNext(until: number): boolean {
    const first = this.heap[0];
    if (first === undefined || first.time > until) {
      return false;
    }
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    this.now = first.time;
    first.run();
    return true;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.time < y.time || (x.time === y.time && x.sequence < y.sequence);
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = x;
  }

  private up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) {
        return;
      }
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(index: number): void {
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.heap.length && this.less(left, smallest)) {
        smallest = left;
      }
      if (right < this.heap.length && this.less(right, smallest)) {
        smallest = right;
      }
      if (smallest === i) {
        return;
      }
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
