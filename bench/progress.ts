/**
 * The progress line of a long round: a bar, transactions sent and settled, and elapsed
 * time, redrawn in place. Only on a terminal; CI logs get one line per round instead.
 */

const BAR_WIDTH = 24;

export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private drawn = false;

  constructor(private readonly label: string) {}

  update(progress: { sent: number; settled: number; count: number; elapsedS: number }): void {
    if (!this.tty) {
      return;
    }
    const share = progress.count === 0 ? 0 : Math.min(1, progress.settled / progress.count);
    const filled = Math.round(share * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
    const line =
      `  ${this.label} [${bar}] sent ${progress.sent.toLocaleString('en-US')} ` +
      `settled ${progress.settled.toLocaleString('en-US')} ${progress.elapsedS.toFixed(0)} s`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 100) - 1)}\u001b[K`);
    this.drawn = true;
  }

  end(): void {
    if (this.drawn) {
      process.stderr.write('\r\u001b[K');
    }
  }
}
