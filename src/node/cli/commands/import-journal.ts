/**
 * The import's journal: an append-only NDJSON file that makes `medchain import fhir`
 * restartable. A record's document key exists only while it is encrypted, and its key
 * wraps can be stored in the vault only once its anchor has committed, so a crash between
 * the anchor and the wraps would leave a record nobody can decrypt. The journal keeps
 * each prepared record's content hash and wraps (sealed to the patient and the author,
 * so no secret) until the wraps are stored, then marks the record done.
 *
 * Lines: `{"id","hash","sizeBytes","wraps":{recipient:wrap}}` when a record is uploaded,
 * `{"id","done":true}` once its wraps are stored. Ids are pseudonymous; no PHI. Opening
 * a journal with many finished records rewrites it to the lines still needed.
 */
import { closeSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { replaceFileSync } from '../../runtime/replace-file.js';

export interface PreparedEntry {
  id: string;
  hash: string;
  sizeBytes: number;
  /** X25519 public key (hex) → encoded key wrap (hex). */
  wraps: Record<string, string>;
}

const HEX64 = /^[0-9a-f]{64}$/;
/**
 * Lines the journal no longer needs (a finished record's prepared line, which carries its
 * wraps) that make opening rewrite it, once they are also a quarter of the file: an import
 * of a million records would otherwise leave a file of hundreds of megabytes that every
 * restart reads whole.
 */
const REWRITE_LINES_MIN = 1024;

function isPrepared(value: Record<string, unknown>): boolean {
  const { hash, sizeBytes, wraps } = value;
  return (
    typeof hash === 'string' &&
    HEX64.test(hash) &&
    Number.isSafeInteger(sizeBytes) &&
    typeof wraps === 'object' &&
    wraps !== null &&
    Object.entries(wraps).every(([key, wrap]) => HEX64.test(key) && typeof wrap === 'string')
  );
}

export class ImportJournal {
  private readonly prepared = new Map<string, PreparedEntry>();
  private readonly done = new Set<string>();
  private pending: string[] = [];

  private constructor(private readonly path: string) {}

  /** Opens (or starts) the journal at `path`; a torn last line from a crash is cut off. */
  static open(path: string): ImportJournal {
    const journal = new ImportJournal(path);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') {
        return journal;
      }
      throw error;
    }
    const complete = bytes.lastIndexOf(0x0a) + 1;
    if (complete < bytes.length) {
      // Appends go after the last whole line, never onto the torn one.
      truncateSync(path, complete);
    }
    const lines = bytes.subarray(0, complete).toString('utf8').split('\n');
    let count = 0;
    lines.forEach((line, index) => {
      if (line.trim() === '') {
        return;
      }
      count++;
      const where = `${path}:${index + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`${where}: not an import journal line`);
      }
      journal.apply(value as Record<string, unknown> | null, where);
    });
    const needed = journal.done.size + journal.prepared.size;
    if (count - needed >= Math.max(REWRITE_LINES_MIN, count / 4)) {
      journal.rewrite();
    }
    return journal;
  }

  /** Replaces the file with one line per record it still needs; the old one says no less. */
  private rewrite(): void {
    const lines: string[] = [];
    for (const id of this.done) {
      lines.push(JSON.stringify({ id, done: true }));
    }
    for (const entry of this.prepared.values()) {
      lines.push(JSON.stringify(entry));
    }
    replaceFileSync(this.path, lines.length === 0 ? '' : `${lines.join('\n')}\n`, 0o600);
  }

  private apply(value: Record<string, unknown> | null, where: string): void {
    const id = value?.id;
    if (value === null || typeof value !== 'object' || typeof id !== 'string') {
      throw new Error(`${where}: not an import journal line`);
    }
    if (value.done === true) {
      this.done.add(id);
      this.prepared.delete(id);
    } else if (isPrepared(value)) {
      this.prepared.set(id, value as unknown as PreparedEntry);
      this.done.delete(id);
    } else {
      throw new Error(`${where}: not an import journal line`);
    }
  }

  preparedEntry(id: string): PreparedEntry | undefined {
    return this.prepared.get(id);
  }

  isDone(id: string): boolean {
    return this.done.has(id);
  }

  addPrepared(entry: PreparedEntry): void {
    this.prepared.set(entry.id, entry);
    this.done.delete(entry.id);
    this.pending.push(JSON.stringify(entry));
  }

  markDone(id: string): void {
    this.done.add(id);
    // The wraps are in the vault now; the journal need not remember them.
    this.prepared.delete(id);
    this.pending.push(JSON.stringify({ id, done: true }));
  }

  /** Appends what was added since the last flush and fsyncs before returning. */
  flush(): void {
    if (this.pending.length === 0) {
      return;
    }
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${this.pending.join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.pending = [];
  }
}
