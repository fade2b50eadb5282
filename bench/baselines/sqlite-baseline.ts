/**
 * The conventional-database baseline: the registration workload's records (member and key
 * rows, as medchain's identity module stores them) written straight into SQLite with
 * better-sqlite3: no signatures, no hashing, no network, no replication. Two ways: one
 * write batch per 1,000 records (the best a batching application gets; the ratio uses this)
 * and one write batch per record (an application committing each request).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { RoundResult } from '../round-runner.js';
import { summarizeLatencies } from '../statistics.js';
import { memberId, memberKeys } from '../workloads.js';

interface MemberRow {
  id: string;
  organization: string;
  kind: string;
  signingKey: string;
  encryptionKey: string;
}

const KINDS = ['patient', 'patient', 'patient', 'practitioner', 'device'];

function rows(seed: string, count: number): MemberRow[] {
  return Array.from({ length: count }, (_, index) => {
    const keys = memberKeys(seed, index);
    return {
      id: memberId(seed, index),
      organization: `org-${index % 4}`,
      kind: KINDS[index % KINDS.length]!,
      signingKey: keys.signing,
      encryptionKey: keys.encryption,
    };
  });
}

/** Same pragmas as the node's chain store: WAL journal, synchronous NORMAL. */
function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE members (id TEXT PRIMARY KEY, organization TEXT NOT NULL, kind TEXT NOT NULL,
      signing_key TEXT NOT NULL, encryption_key TEXT NOT NULL, active INTEGER NOT NULL);
    CREATE TABLE member_keys (signing_key TEXT PRIMARY KEY, member TEXT NOT NULL,
      organization TEXT NOT NULL, active INTEGER NOT NULL);
  `);
  return db;
}

function measure(params: {
  seed: string;
  count: number;
  batch: number;
  name: string;
}): RoundResult {
  const dir = mkdtempSync(join(tmpdir(), 'medchain-bench-sqlite-'));
  try {
    const records = rows(params.seed, params.count);
    const db = openDatabase(join(dir, 'records.sqlite'));
    const member = db.prepare('INSERT INTO members VALUES (?, ?, ?, ?, ?, 1)');
    const key = db.prepare('INSERT INTO member_keys VALUES (?, ?, ?, 1)');
    const writeBatch = db.transaction((batch: MemberRow[]) => {
      for (const row of batch) {
        member.run(row.id, row.organization, row.kind, row.signingKey, row.encryptionKey);
        key.run(row.signingKey, row.id, row.organization);
      }
    });
    const latencies = new Float64Array(records.length);
    const started = performance.now();
    for (let from = 0; from < records.length; from += params.batch) {
      const batchStarted = performance.now();
      writeBatch(records.slice(from, from + params.batch));
      // Every record of a batch is durable when the batch commits.
      latencies.fill(performance.now() - batchStarted, from, from + params.batch);
    }
    const durationS = (performance.now() - started) / 1000;
    db.close();
    return {
      name: params.name,
      system: 'sqlite',
      workload: 'registration',
      controller: `write batches of ${params.batch}`,
      succeeded: records.length,
      failed: 0,
      sendRateTps: records.length / durationS,
      throughputTps: records.length / durationS,
      latency: summarizeLatencies(latencies),
      durationS,
      server: undefined,
      clientCpuCores: 1,
      rejections: {},
      commitsWithoutEvent: 0,
      eventOverflows: 0,
      prepareS: 0,
      notes: ['in-process, no signatures, no network'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function sqliteRounds(seed: string, count: number): RoundResult[] {
  return [
    measure({ seed, count, batch: 1_000, name: 'sqlite-batched' }),
    measure({ seed, count: Math.min(count, 20_000), batch: 1, name: 'sqlite-per-record' }),
  ];
}
