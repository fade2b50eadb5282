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
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { decodeConsensusMessage } from '../../protocol/consensus/messages.js';
import type { WalRecord } from '../../protocol/consensus/types.js';
import { walRecordHeight } from '../../protocol/consensus/wal.js';

/** Rewrite the log once it grows past this many bytes. */
const ROTATE_BYTES = 32 * 1024 * 1024;

export class WalCorruptError extends Error {
  override name = 'WalCorruptError';
}

export class WalFile {
  private fd: number;
  private bytes: number;
  private dirty = false;
  /** Records still in the file, so a rewrite needs no read. */
  private records: WalRecord[];

  private constructor(
    readonly path: string,
    records: WalRecord[],
    bytes: number,
  ) {
    this.records = records;
    this.bytes = bytes;
    this.fd = openSync(path, 'a');
  }

  /** Opens (or creates) the log and returns it with the records it holds. */
  static open(path: string): WalFile {
    if (!existsSync(path)) {
      closeSync(openSync(path, 'a'));
      syncDirectory(dirname(path));
    }
    const { records, validBytes, totalBytes } = parseWal(readFileSync(path), path);
    if (validBytes < totalBytes) {
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, validBytes);
      fsyncSync(fd);
      closeSync(fd);
    }
    return new WalFile(path, records, validBytes);
  }

  /** Every record in the log, oldest first. */
  read(): readonly WalRecord[] {
    return this.records;
  }

  get needsSync(): boolean {
    return this.dirty;
  }

  /** Writes one record; it is durable only after sync(). */
  append(record: WalRecord): void {
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    writeAll(this.fd, line);
    this.bytes += line.length;
    this.records.push(record);
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
    const kept = this.records.filter((record) => walRecordHeight(record) >= committed);
    const text = kept.map((record) => `${JSON.stringify(record)}\n`).join('');
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, 'w');
    writeAll(fd, Buffer.from(text, 'utf8'));
    fsyncSync(fd);
    closeSync(fd);
    closeSync(this.fd);
    renameSync(temporary, this.path);
    syncDirectory(dirname(this.path));
    this.fd = openSync(this.path, 'a');
    this.records = kept;
    this.bytes = Buffer.byteLength(text);
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
): { records: WalRecord[]; validBytes: number; totalBytes: number } {
  const records: WalRecord[] = [];
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
    offset = end + 1;
  }
  return { records, validBytes: offset, totalBytes: bytes.length };
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
