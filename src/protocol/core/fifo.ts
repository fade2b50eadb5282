/**
 * A first-in, first-out queue whose `shift` takes constant time. `Array.prototype.shift`
 * moves every element left behind it once an array is too large for V8 to trim in place,
 * so draining a queue of thousands that way costs time quadratic in its length.
 */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Takes the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) {
      return undefined;
    }
    const item = this.items[this.head];
    // Released at once, so a taken item is not kept alive by the array until compaction.
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head === this.items.length) {
      // Emptied, as the admission queue is after most drains: reuse the array.
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Now and then, so a queue that never empties does not grow its array forever.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
