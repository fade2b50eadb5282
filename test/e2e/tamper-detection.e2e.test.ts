/**
 * Tamper detection: one hex digit of one stored transaction, changed in the SQLite file
 * itself after the node stopped, must make `medchain verify` fail and name that block's
 * height, while an untouched copy of the same directory verifies.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sodiumSigner } from '../../src/node/crypto/index.js';
import type { Transaction } from '../../src/protocol/ledger/transaction.js';
import { MedchainClient } from '../../src/sdk/client.js';
import {
  checkpoint,
  flipHexDigitInFile,
  initNetwork,
  NodeRegistry,
  nodeDatabase,
  removeDirectory,
  stopNode,
  temporaryDirectory,
} from '../../src/testing/e2e.js';
import {
  adminKeyPath,
  keystoreSigner,
  runCli,
  startNetwork,
} from '../../src/testing/node-process.js';
import { registrationWorkload } from '../../src/testing/workload.js';

const ROUNDS = 4;
const PER_ROUND = 3;
const nodes = new NodeRegistry();
let dir = '';
let copy = '';
/** A transaction committed in a block with blocks after it. */
let target: { transaction: Transaction; height: number };
let lastHeight = 0;

/** A chain of a few blocks: each round waits for its last transaction's commit. */
before(async () => {
  dir = temporaryDirectory('tamper');
  copy = `${dir}-copy`;
  // One validator: the database tampered with below is the only copy of the chain.
  const { port } = await initNetwork(dir, 1);
  const node = nodes.add(await startNetwork(dir, port));
  const client = new MedchainClient({ baseUrl: node.url });
  const { chainId } = await client.status();
  const admin = await keystoreSigner(adminKeyPath(dir));
  const committed: { transaction: Transaction; height: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const transactions = registrationWorkload({
      chainId,
      admin,
      startNonce: round * PER_ROUND,
      firstIndex: round * PER_ROUND,
      count: PER_ROUND,
      seed: 'tamper',
      derivePublicKey: (seed) => sodiumSigner(seed).publicKey,
    });
    const results = await client.submitBatch(transactions.slice(0, -1));
    assert.ok(
      results.every((result) => 'hash' in result),
      JSON.stringify(results),
    );
    const last = await client.submit(transactions.at(-1)!, { wait: 'commit' });
    assert.equal(last.status, 'committed');
    assert.ok(last.status === 'committed' && last.receipt.code === 0);
    committed.push({ transaction: transactions.at(-1)!, height: last.height });
  }
  target = committed[1]!;
  lastHeight = (await client.status()).height;
  assert.equal(await stopNode(node), 0, node.output());
  checkpoint(nodeDatabase(dir));
  cpSync(dir, copy, { recursive: true });
});

after(async () => {
  await nodes.killAll();
  removeDirectory(dir);
  removeDirectory(copy);
});

describe('e2e: tamper detection', () => {
  it('verifies the untouched chain', () => {
    assert.ok(target.height < lastHeight, 'the target block must not be the last one');
    const run = runCli(['verify', copy]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`^ok: .* up to height ${lastHeight}$`, 'm'));
  });

  it('names the height of a block whose stored transaction changed by one digit', () => {
    flipHexDigitInFile(nodeDatabase(dir), target.transaction.signature);
    const run = runCli(['verify', dir]);
    assert.notEqual(run.status, 0, run.stdout);
    assert.match(run.stdout, new RegExp(`^FAILED at height ${target.height}: `, 'm'));
    const json = runCli(['verify', dir, '--json']);
    assert.notEqual(json.status, 0);
    const report = JSON.parse(json.stdout) as { ok: boolean; failedHeight: number };
    assert.equal(report.ok, false);
    assert.equal(report.failedHeight, target.height);
  });
});
