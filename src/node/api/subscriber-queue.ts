/**
 * One event-stream subscriber's bounded queue of server-sent events. Past its limit it
 * drops the block being queued (so the client only ever sees whole blocks) and records the
 * height to resume from; the stream then announces `overflow` and closes.
 */
/** Events one subscriber may have waiting before it is told it fell behind. */
export const EVENTS_QUEUED_MAX = 10_000;
/** Events sent in one write at most, so one write stays a few hundred kilobytes. */
export const EVENTS_PER_WRITE_MAX = 2_000;

export interface QueuedEvent {
  event: string;
  data: string;
}

/**
 * One subscriber's bounded queue. Past the limit it drops the block that was being
 * queued (so the client sees only whole blocks) and records where to resume.
 */
export class SubscriberQueue {
  private items: QueuedEvent[] = [];
  private head = 0;
  /** Index in `items` of the newest block event, and that block's height. */
  private blockStart = 0;
  private blockHeight = 0;
  resumeFrom: number | undefined;

  constructor(private readonly limit: number) {}

  push(event: string, data: { height: number }): void {
    if (this.resumeFrom !== undefined) {
      return;
    }
    if (event === 'block') {
      this.blockStart = this.items.length;
      this.blockHeight = data.height;
    }
    // Overflow only when a whole block waits before the one being queued: a single block
    // larger than the limit must still be delivered, or a client resuming at it would
    // overflow again forever. Memory stays bounded by the limit plus one block.
    if (this.items.length - this.head >= this.limit && this.blockStart > this.head) {
      this.items.length = this.blockStart;
      this.resumeFrom = this.blockHeight;
      return;
    }
    this.items.push({ event, data: JSON.stringify(data) });
  }

  /**
   * Takes up to `max` queued events as one text/event-stream fragment (`event:` and `data:`
   * lines, a blank line after each), or '' when none wait. Data is JSON: never a newline.
   */
  drain(max: number): string {
    let text = '';
    for (let taken = 0; taken < max; taken++) {
      const item = this.next();
      if (item === undefined) {
        break;
      }
      text += `event: ${item.event}\ndata: ${item.data}\n\n`;
    }
    return text;
  }

  next(): QueuedEvent | undefined {
    if (this.head >= this.items.length) {
      return undefined;
    }
    const item = this.items[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.blockStart -= this.head;
      this.head = 0;
    }
    return item;
  }
}
