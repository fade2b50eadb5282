/**
 * The consensus write-ahead log on disk: one JSON record per line, appended, and made
 * durable with fdatasync before the driver executes any action that follows it (D1). A
 * validator that signed something and crashed finds it here on restart and never signs a
 * different message for the same height, round and type.
 *
 * A crash can tear the last line (written, never synced, so never acted on): reading drops
 * an unparseable final line and truncates it away. A bad line anywhere else is corruption
 * and the node refuses to start. The log is rewritten from time to time keeping only the
 * records from the last committed height on (write a temporary file, sync, rename, sync
 * the directory), so it stays small while the height marker the amnesia check needs stays.
 *
 * Records are not kept in memory once written: a proposal's record holds its whole block,
 * and holding every record until the next rewrite kept tens of megabytes of old blocks
 * live, which every full garbage collection had to mark. Only each record's height and
 * byte offset are kept; a rewrite copies the kept records' bytes, and `read` reads the file.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { decodeConsensusMessage } from '../../protocol/consensus/messages.js';
import type { WalRecord } from '../../protocol/consensus/types.js';
import { walRecordHeight } from '../../protocol/consensus/wal.js';

/** Rewrite the log once it grows past this many bytes. */
const ROTATE_BYTES = 32 * 1024 * 1024;
const COPY_CHUNK_BYTES = 1024 * 1024;

export class WalCorruptError extends Error {
  override name = 'WalCorruptError';
}

export class WalFile {
  private fd: number;
  private bytes: number;
  private dirty = false;
  /** Height of each record in the file, oldest first. */
  private heights: number[];
  /** Byte offset of each record in the file; a record ends where the next one starts. */
  private starts: number[];

  private constructor(
    readonly path: string,
    spans: { heights: number[]; starts: number[] },
    bytes: number,
  ) {
    this.heights = spans.heights;
    this.starts = spans.starts;
    this.bytes = bytes;
    this.fd = openSync(path, 'a');
  }

  /** Opens (or creates) the log, cutting off a torn last line. */
  static open(path: string): WalFile {
    if (!existsSync(path)) {
      closeSync(openSync(path, 'a'));
      syncDirectory(dirname(path));
    }
    const { records, starts, validBytes, totalBytes } = parseWal(readFileSync(path), path);
    if (validBytes < totalBytes) {
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, validBytes);
      fsyncSync(fd);
      closeSync(fd);
    }
    return new WalFile(path, { heights: records.map(walRecordHeight), starts }, validBytes);
  }

  /** Every record in the log, oldest first, read from the file: for a restart, not a hot path. */
  read(): WalRecord[] {
    return parseWal(readFileSync(this.path), this.path).records;
  }

  /** How many records the log holds. */
  get size(): number {
    return this.heights.length;
  }

  get needsSync(): boolean {
    return this.dirty;
  }

  /**
   * Writes one record; it is durable only after sync(). `text` is the record's JSON line
   * when the caller already has it (RecordJson), newline included.
   */
  append(record: WalRecord, text = `${JSON.stringify(record)}\n`): void {
    const line = Buffer.from(text, 'utf8');
    writeAll(this.fd, line);
    this.heights.push(walRecordHeight(record));
    this.starts.push(this.bytes);
    this.bytes += line.length;
    this.dirty = true;
  }

  sync(): void {
    if (this.dirty) {
      fdatasyncSync(this.fd);
      this.dirty = false;
    }
  }

  /**
   * After height `committed` is stored: drop records of earlier heights once the file is
   * large. Records of `committed` itself stay, so the log always reaches the committed
   * height (the amnesia check) even if the process dies right after.
   */
  compact(committed: number, force = false): void {
    if (!force && this.bytes < ROTATE_BYTES) {
      return;
    }
    this.sync();
    // Kept records, as byte ranges of the current file; neighbours merge into one range.
    const ranges: Array<[number, number]> = [];
    const heights: number[] = [];
    const starts: number[] = [];
    let kept = 0;
    for (let i = 0; i < this.heights.length; i++) {
      const height = this.heights[i]!;
      if (height < committed) {
        continue;
      }
      const start = this.starts[i]!;
      const end = this.starts[i + 1] ?? this.bytes;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last[1] === start) {
        last[1] = end;
      } else {
        ranges.push([start, end]);
      }
      heights.push(height);
      starts.push(kept);
      kept += end - start;
    }
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, 'w');
    const input = openSync(this.path, 'r');
    try {
      for (const [start, end] of ranges) {
        copyRange(input, fd, start, end - start);
      }
      fsyncSync(fd);
    } finally {
      closeSync(input);
      closeSync(fd);
    }
    closeSync(this.fd);
    renameSync(temporary, this.path);
    syncDirectory(dirname(this.path));
    this.fd = openSync(this.path, 'a');
    this.heights = heights;
    this.starts = starts;
    this.bytes = kept;
  }

  close(): void {
    this.sync();
    closeSync(this.fd);
  }
}

function writeAll(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) {
    offset += writeSync(fd, buffer, offset, buffer.length - offset);
  }
}

/** Copies `length` bytes at `position` of one file to the end of another, in pieces. */
function copyRange(from: number, to: number, position: number, length: number): void {
  const buffer = Buffer.allocUnsafe(Math.min(length, COPY_CHUNK_BYTES));
  let done = 0;
  while (done < length) {
    const want = Math.min(buffer.length, length - done);
    const read = readSync(from, buffer, 0, want, position + done);
    if (read === 0) {
      throw new WalCorruptError(`WAL shorter than its records (${position + done} bytes)`);
    }
    writeAll(to, buffer.subarray(0, read));
    done += read;
  }
}

function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Parses the log's lines; only a torn final line may fail, and it is left out. */
export function parseWal(
  bytes: Buffer,
  path = 'wal',
): { records: WalRecord[]; starts: number[]; validBytes: number; totalBytes: number } {
  const records: WalRecord[] = [];
  const starts: number[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = bytes.indexOf(0x0a, offset);
    const last = end < 0;
    const line = bytes.subarray(offset, last ? bytes.length : end).toString('utf8');
    const record = parseRecord(line);
    if (record === undefined) {
      if (last) {
        break; // torn by a crash mid-append: it was never synced, so never acted on
      }
      throw new WalCorruptError(`${path}: record at byte ${offset} is not a WAL record`);
    }
    if (last) {
      break; // a final record without its newline may be partial too
    }
    records.push(record);
    starts.push(offset);
    offset = end + 1;
  }
  return { records, starts, validBytes: offset, totalBytes: bytes.length };
}

function parseRecord(line: string): WalRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const record = value as WalRecord;
  if (record.type === 'height' && Number.isSafeInteger(record.height)) {
    return record;
  }
  if (record.type === 'signed' && decodeConsensusMessage(record.message).ok) {
    return record;
  }
  return undefined;
}
