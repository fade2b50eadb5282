/**
 * Crash recovery with a real validator process: a one-validator network under continuous
 * load, the validator (`medchain node`) killed with SIGKILL (no chance to flush or close),
 * restarted on the same directory — database and consensus write-ahead log — and it must
 * still hold every transaction it reported committed, at the same height and index with
 * the same receipt, then keep committing. The offline audit must pass over its database.
 * Several validators under faults: consortium-faults.e2e.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sodiumSigner } from '../../src/node/crypto/index.js';
import { toHex } from '../../src/protocol/core/bytes.js';
import type { Signer } from '../../src/protocol/core/crypto.js';
import type { Genesis } from '../../src/protocol/genesis/types.js';
import type { Receipt } from '../../src/protocol/ledger/block.js';
import { MedchainClient } from '../../src/sdk/client.js';
import { verifyStateProof, verifyTransactionProof } from '../../src/sdk/verify.js';
import {
  followCommits,
  initNetwork,
  NodeRegistry,
  nodeDirectory,
  type ReportedCommit,
  removeDirectory,
  stopNode,
  temporaryDirectory,
} from '../../src/testing/e2e.js';
import {
  adminKeyPath,
  keystoreSigner,
  runCli,
  startValidator,
} from '../../src/testing/node-process.js';
import { registrationWorkload } from '../../src/testing/workload.js';

const BATCH = 200;
const nodes = new NodeRegistry();
let dir = '';
let url = '';
/** Two organizations load the node at once, each with its own nonce sequence. */
let admins: { signer: Signer; seed: string }[] = [];
let chainId = '';
let genesis: Genesis;

before(async () => {
  dir = temporaryDirectory('crash');
  const network = await initNetwork(dir, 1);
  url = `http://127.0.0.1:${network.port}`;
  genesis = JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8')) as Genesis;
  admins = [
    { signer: await keystoreSigner(adminKeyPath(dir)), seed: 'crash-hospital' },
    {
      signer: await keystoreSigner(adminKeyPath(dir, 'org-riverside-clinic')),
      seed: 'crash-clinic',
    },
  ];
});

after(async () => {
  await nodes.killAll();
  removeDirectory(dir);
});

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Everything the node reported before it died. */
interface Reports {
  events: Map<string, ReportedCommit>;
  /** Answers of `?wait=commit`, with their full receipts. */
  waited: Map<string, { height: number; index: number; receipt: Receipt }>;
}

/**
 * Submits registrations until `stop` is set or the node stops answering: batches of
 * pre-signed transactions through POST /v1/txs, then one with `?wait=commit`.
 */
async function load(
  client: MedchainClient,
  loader: { admin: Signer; seed: string; reports: Reports; stop: { now: boolean } },
) {
  const { admin, reports, stop } = loader;
  let nonce = (await client.account(toHex(admin.publicKey))).nonce;
  while (!stop.now) {
    const transactions = registrations(admin, loader.seed, nonce, BATCH);
    try {
      const results = await client.submitBatch(transactions.slice(0, -1));
      if (results.some((result) => 'error' in result)) {
        // Rejections leave a nonce gap: continue from what the node counts.
        nonce = (await client.account(toHex(admin.publicKey))).pendingNonce;
        continue;
      }
      const last = await client.submit(transactions.at(-1)!, { wait: 'commit' });
      if (last.status === 'committed') {
        const { height, index, receipt } = last;
        reports.waited.set(last.hash, { height, index, receipt });
      }
      nonce += BATCH;
    } catch {
      return; // The node is gone.
    }
  }
}

/** Member ids follow the nonce, so re-signing after a crash gives the same transactions. */
function registrations(admin: Signer, seed: string, nonce: number, count: number) {
  return registrationWorkload({
    chainId,
    admin,
    startNonce: nonce,
    firstIndex: nonce,
    count,
    seed,
    derivePublicKey: (signingSeed) => sodiumSigner(signingSeed).publicKey,
  });
}

/**
 * While blocks commit, proofs of the latest reported transaction and of its member's state
 * must verify offline: an answer assembled from two different heights would not.
 */
async function checkProofsUnderLoad(
  client: MedchainClient,
  reports: Reports,
  stop: { now: boolean },
): Promise<{ checked: number; failures: string[] }> {
  const failures: string[] = [];
  let checked = 0;
  while (!stop.now) {
    await sleep(100);
    // The stream reports commits before the first `?wait=commit` answer arrives.
    const hash = [...reports.waited.keys()].at(-1) ?? [...reports.events.keys()].at(-1);
    if (hash === undefined) {
      continue;
    }
    try {
      const proof = await client.transactionProof(hash);
      const transaction = verifyTransactionProof(proof, { genesis });
      const id = (proof.transaction.args as { id: string }).id;
      const answer = await client.query('identity', 'member', { id });
      const state = verifyStateProof(answer, { genesis });
      for (const result of [transaction, state]) {
        if (!result.ok) {
          failures.push(`${result.step}: ${result.reason}`);
        }
      }
      checked += 1;
    } catch (error) {
      // After a fetch failure, wait for the kill to be noticed: an error from a live node
      // is a failure, one from the killed node is the end of the run.
      await sleep(200);
      if (!stop.now) {
        failures.push(`request failed: ${(error as Error).message}`);
      }
    }
  }
  return { checked, failures };
}

/**
 * Runs load for `ms`, then kills the node with SIGKILL while the load is still running.
 * Returns what the node reported and how many proofs were checked meanwhile.
 */
async function crashUnderLoad(ms: number): Promise<{ reports: Reports; proofsChecked: number }> {
  const node = nodes.add(await startValidator(nodeDirectory(dir), url));
  const client = new MedchainClient({ baseUrl: node.url });
  chainId = (await client.status()).chainId;
  const reports: Reports = { events: new Map(), waited: new Map() };
  const follower = followCommits(client, reports.events);
  const stop = { now: false };
  const loading = Promise.all(
    admins.map(({ signer, seed }) => load(client, { admin: signer, seed, reports, stop })),
  );
  const proving = checkProofsUnderLoad(client, reports, stop);
  await sleep(ms);
  await node.kill('SIGKILL');
  stop.now = true;
  await loading;
  await follower.stop();
  const proofs = await proving;
  assert.deepEqual(proofs.failures, [], 'proofs served under load must verify');
  return { reports, proofsChecked: proofs.checked };
}

/** Every reported transaction is in its block at its index, with the reported receipt. */
async function checkSurvivors(client: MedchainClient, reports: Reports): Promise<number> {
  const byHeight = new Map<number, [string, ReportedCommit][]>();
  for (const entry of reports.events) {
    const list = byHeight.get(entry[1].height) ?? [];
    list.push(entry);
    byHeight.set(entry[1].height, list);
  }
  for (const [height, entries] of byHeight) {
    const block = await client.block(height);
    for (const [hash, reported] of entries) {
      const receipt = block.receipts[reported.index];
      assert.equal(receipt?.transactionHash, hash, `tx ${hash} moved from ${height}`);
      assert.equal(receipt.code, reported.code);
      assert.equal(receipt.name, reported.name);
      assert.deepEqual(receipt.events, reported.events);
    }
  }
  for (const [hash, waited] of reports.waited) {
    const found = await client.transaction(hash);
    assert.ok('height' in found, `tx ${hash} reported committed is missing`);
    assert.equal(found.height, waited.height);
    assert.equal(found.index, waited.index);
    assert.deepEqual(found.receipt, waited.receipt);
    const proof = verifyTransactionProof(await client.transactionProof(hash), { genesis });
    assert.ok(proof.ok && proof.height === waited.height, JSON.stringify(proof));
  }
  return Math.max(0, ...byHeight.keys(), ...[...reports.waited.values()].map((w) => w.height));
}

/** The restarted chain still takes new transactions, continuing from the committed nonce. */
async function checkStillCommits(client: MedchainClient, afterHeight: number): Promise<void> {
  const { signer, seed } = admins[0]!;
  const { nonce } = await client.account(toHex(signer.publicKey));
  const [next] = registrations(signer, seed, nonce, 1);
  const answer = await client.submit(next!, { wait: 'commit', timeoutMs: 10_000 });
  assert.equal(answer.status, 'committed');
  assert.ok(answer.status === 'committed' && answer.receipt.code === 0, JSON.stringify(answer));
  assert.ok(answer.height > afterHeight);
}

describe('e2e: crash recovery', () => {
  it('keeps every reported commit across SIGKILLs and keeps committing', async () => {
    let proofsChecked = 0;
    for (const loadMs of [2500, 1500]) {
      const { reports, proofsChecked: checked } = await crashUnderLoad(loadMs);
      proofsChecked += checked;
      assert.ok(reports.events.size > 0, 'the node reported no commits before the kill');
      assert.ok(reports.waited.size > 0, 'no ?wait=commit answer before the kill');
      const node = nodes.add(await startValidator(nodeDirectory(dir), url));
      const client = new MedchainClient({ baseUrl: node.url });
      const lastReported = await checkSurvivors(client, reports);
      assert.ok((await client.status()).height >= lastReported);
      await checkStillCommits(client, lastReported);
      assert.equal(await stopNode(node), 0, node.output());
    }
    // Few on a busy machine: proofs are served between blocks of the load.
    assert.ok(proofsChecked > 0, 'no proof was checked under load');
    const audit = runCli(['verify', dir]);
    assert.equal(audit.status, 0, audit.stdout + audit.stderr);
    assert.match(audit.stdout, /^ok: /m);
  });
});
