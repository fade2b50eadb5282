/**
 * Helpers for end-to-end tests that drive real `medchain` processes: temporary network
 * directories on free ports, a registry of started nodes so a failing test still kills
 * them, a follower of the event stream that records what the node reported committed, and
 * byte-level tampering of a stored database to prove the offline audit notices it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChainEvent } from '../protocol/ledger/block.js';
import type { MedchainClient } from '../sdk/client.js';
import { freePorts, type NodeProcess, runCli } from './node-process.js';

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `medchain-${prefix}-`));
}

export function removeDirectory(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Where the validators of a test network listen: consecutive ports from each base. */
export interface TestNetwork {
  dir: string;
  /** API port of the first validator (the hospital); validator i listens on port + i. */
  port: number;
  p2pPort: number;
  names: string[];
}

/** Validator names in the order `medchain init` lays them out. */
const VALIDATOR_NAMES = ['hospital', 'clinic', 'payer', 'pharmacy'];

/** `medchain init` of a demo network with `validators` validators on free ports. */
export async function initNetwork(dir: string, validators = 4): Promise<TestNetwork> {
  const port = await freePorts(validators);
  const p2pPort = await freePorts(validators);
  const run = runCli([
    'init',
    '--dir',
    dir,
    '--api',
    `127.0.0.1:${port}`,
    '--p2p',
    `127.0.0.1:${p2pPort}`,
    '--validators',
    String(validators),
  ]);
  assert.equal(run.status, 0, `init failed:\n${run.stdout}${run.stderr}`);
  return { dir, port, p2pPort, names: VALIDATOR_NAMES.slice(0, validators) };
}

/** A validator's node directory in a network directory written by `medchain init`. */
export function nodeDirectory(dir: string, name = 'hospital'): string {
  return join(dir, 'nodes', name);
}

/** A validator's database in a network directory written by `medchain init`. */
export function nodeDatabase(dir: string, name = 'hospital'): string {
  return join(nodeDirectory(dir, name), 'chain.sqlite');
}

/** Nodes started by a test, killed in `after` whatever happened in between. */
export class NodeRegistry {
  private readonly nodes: NodeProcess[] = [];

  add(node: NodeProcess): NodeProcess {
    this.nodes.push(node);
    return node;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill('SIGKILL')));
  }
}

/**
 * Stops a node with SIGTERM and returns its exit code; a node that has not exited within
 * `timeoutMs` is killed and the test fails, so a shutdown that hangs cannot hang the suite.
 */
export async function stopNode(node: NodeProcess, timeoutMs = 15_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), timeoutMs);
  });
  const code = await Promise.race([node.kill('SIGTERM'), timeout]);
  clearTimeout(timer);
  if (code === 'timeout') {
    await node.kill('SIGKILL');
    assert.fail(`the node did not stop within ${timeoutMs} ms:\n${node.output()}`);
  }
  return code;
}

/** What the node said about a committed transaction, to compare after a restart. */
export interface ReportedCommit {
  height: number;
  index: number;
  code: number;
  name: string;
  events: ChainEvent[];
}

/**
 * Records every `tx` event of the node's stream until the stream ends (the node died) or
 * `stop` is called. Each event is the node reporting that transaction committed.
 */
export function followCommits(
  client: MedchainClient,
  reported: Map<string, ReportedCommit>,
): { stop(): Promise<void> } {
  const controller = new AbortController();
  const done = (async () => {
    try {
      for await (const event of client.events({ signal: controller.signal })) {
        if (event.type === 'tx') {
          const { hash, height, index, code, name, events } = event.transaction;
          reported.set(hash, { height, index, code, name, events });
        }
      }
    } catch {
      // The node was killed mid-stream: everything read before that still counts.
    }
  })();
  return {
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** Folds the write-ahead log into the database file so every row is in the main file. */
export function checkpoint(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/**
 * Changes one hex digit inside the only occurrence of `needle` in the file, as a disk fault
 * or a hand edit would, keeping the text valid so only verification can notice.
 */
export function flipHexDigitInFile(path: string, needle: string): void {
  const bytes = readFileSync(path);
  const first = bytes.indexOf(needle, 0, 'latin1');
  assert.ok(first >= 0, `"${needle}" is not in ${path}`);
  assert.equal(bytes.indexOf(needle, first + 1, 'latin1'), -1, `"${needle}" is not unique`);
  const at = first + Math.floor(needle.length / 2);
  const digit = Number.parseInt(String.fromCharCode(bytes[at]!), 16);
  bytes[at] = (digit ^ 1).toString(16).charCodeAt(0);
  writeFileSync(path, bytes);
}
