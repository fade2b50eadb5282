/**
 * What every command shares: the common options, printing for people and for scripts, the
 * one place errors become `error: <code>: <detail>` and an exit status, and a progress bar
 * for long commands. Exit statuses: 0 success, 1 failure, 2 wrong usage.
 */
import { type Command, CommanderError } from 'commander';
import {
  InvalidTransactionError,
  KeystoreError,
  MedchainApiError,
  MedchainNetworkError,
} from '../../sdk/index.js';

export const API_URL_DEFAULT = 'http://127.0.0.1:8080';
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The user asked for something the command cannot mean; exits 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
  readonly code = 'usage';
}

/** A failure the command detected itself, with a stable code for scripts; exits 1. */
export class CliError extends Error {
  override name = 'CliError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface ApiOptions {
  api: string;
  json: boolean;
}

export function addJsonOption(command: Command): Command {
  return command.option('--json', 'print machine-readable JSON on stdout', false);
}

/** --api and --json, which every command that talks to a node accepts. */
export function addApiOptions(command: Command): Command {
  const fallback = process.env.MEDCHAIN_API_URL ?? API_URL_DEFAULT;
  command.option('--api <url>', 'node API base URL (env MEDCHAIN_API_URL)', fallback);
  return addJsonOption(command);
}

export function addExamples(command: Command, examples: readonly string[]): Command {
  const lines = examples.map((example) => `  $ ${example}`).join('\n');
  return command.addHelpText('after', `\nExamples:\n${lines}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Aligned `name  value` lines: easy to read, and still easy to grep. */
export function printFields(fields: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(0, ...fields.map(([name]) => name.length));
  for (const [name, value] of fields) {
    process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
  }
}

export function formatTimeMs(timeMs: number): string {
  return Number.isFinite(timeMs) ? new Date(timeMs).toISOString() : String(timeMs);
}

/** Prints the error as `error: <code>: <detail>` on stderr and returns the exit status. */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (through configureOutput) already.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  const [code, detail, status] = describeError(error);
  process.stderr.write(`error: ${code}: ${detail}\n`);
  return status;
}

function describeError(error: unknown): [string, string, number] {
  if (error instanceof CliUsageError) {
    return ['usage', error.message, EXIT_USAGE];
  }
  if (error instanceof MedchainApiError) {
    const field = error.field === undefined ? '' : ` (field: ${error.field})`;
    return [error.code, `${error.detail}${field}`, EXIT_FAILURE];
  }
  if (error instanceof MedchainNetworkError) {
    return [error.code, error.message, EXIT_FAILURE];
  }
  if (error instanceof InvalidTransactionError) {
    return [error.code, `${error.field}: ${error.message}`, EXIT_FAILURE];
  }
  if (error instanceof KeystoreError || error instanceof CliError) {
    return [error.code, error.message, EXIT_FAILURE];
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // Node's system errors (ENOENT, EACCES...) carry a code and a readable message.
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      return [code, error.message, EXIT_FAILURE];
    }
    return ['internal', error.message, EXIT_FAILURE];
  }
  return ['internal', String(error), EXIT_FAILURE];
}

/** Parses an option or argument that must be a non-negative integer. */
export function parseCount(value: string, what: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) {
    throw new CliUsageError(`${what} must be a non-negative integer, got "${value}"`);
  }
  return number;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  total: number;
  label: string;
  stream?: ProgressStream;
  nowMs?: () => number;
  /** Redraw at most this often: drawing is slower than most of the work it reports. */
  intervalMs?: number;
  /**
   * When the stream is not a terminal, write a plain line at most this often (and one at
   * the end), so a long run under a pipe or a log collector still shows it is alive.
   */
  plainIntervalMs?: number;
}

const BAR_WIDTH = 24;

/**
 * A one-line progress bar on stderr: count/total, rate and time left. It draws nothing
 * when stderr is not a terminal, so logs and pipes stay clean.
 */
export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly stream: ProgressStream;
  private readonly nowMs: () => number;
  private readonly intervalMs: number;
  private readonly enabled: boolean;
  private readonly plainIntervalMs: number | undefined;
  private readonly startMs: number;
  private drawnMs = -Infinity;
  private count = 0;

  constructor(options: ProgressBarOptions) {
    this.total = Math.max(0, options.total);
    this.label = options.label;
    this.stream = options.stream ?? process.stderr;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 100;
    this.enabled = this.stream.isTTY === true;
    this.plainIntervalMs = this.enabled ? undefined : options.plainIntervalMs;
    this.startMs = this.nowMs();
    // Plain lines start one interval in: a short run prints only its final line.
    this.drawnMs = this.plainIntervalMs === undefined ? -Infinity : this.startMs;
  }

  increment(by = 1): void {
    this.update(this.count + by);
  }

  update(count: number): void {
    this.count = Math.min(count, this.total);
    if (this.plainIntervalMs !== undefined) {
      const now = this.nowMs();
      if (now - this.drawnMs >= this.plainIntervalMs) {
        this.drawnMs = now;
        this.stream.write(`${this.render(now, false)}\n`);
      }
      return;
    }
    if (!this.enabled) {
      return;
    }
    const now = this.nowMs();
    if (now - this.drawnMs >= this.intervalMs || this.count === this.total) {
      this.drawnMs = now;
      this.stream.write(`\r\x1b[2K${this.render(now)}`);
    }
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.enabled) {
      this.stream.write(`\r\x1b[2K${this.render(this.nowMs())}\n`);
    } else if (this.plainIntervalMs !== undefined) {
      this.stream.write(`${this.render(this.nowMs(), false)}\n`);
    }
  }

  render(now: number, withBar = true): string {
    const fraction = this.total === 0 ? 1 : this.count / this.total;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
    const elapsedSeconds = Math.max((now - this.startMs) / 1000, 1e-3);
    const rate = this.count / elapsedSeconds;
    const left = this.total - this.count;
    const eta = rate > 0 ? formatDuration(left / rate) : '?';
    const percent = Math.floor(fraction * 100);
    const counts = `${this.count}/${this.total} ${percent}%`;
    const shown = withBar ? ` [${bar}]` : '';
    return `${this.label}${shown} ${counts} ${formatRate(rate)}/s ETA ${eta}`;
  }
}

function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) {
    return `${whole}s`;
  }
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) {
    return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  }
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
