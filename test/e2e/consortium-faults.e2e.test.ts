/**
 * The consortium under faults, as real processes: four validators (`medchain node`, each
 * with its own SQLite file, write-ahead log and TLS identity) under a registration load
 * sent to two of them. One validator is killed with SIGKILL and later restarted; another
 * is cut off from its peers (every connection dropped, fault injection that only a test
 * environment turns on) and later reconnected. The chain must keep committing through
 * each single fault, the two victims must catch up, and at the end: one block hash per
 * height on every validator, every commit a client was told of still there, all heights
 * equal, and `medchain verify` clean on every validator's directory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sodiumSigner } from '../../src/node/crypto/index.js';
import { toHex } from '../../src/protocol/core/bytes.js';
import type { Signer } from '../../src/protocol/core/crypto.js';
import { MedchainClient } from '../../src/sdk/client.js';
import {
  initNetwork,
  NodeRegistry,
  nodeDirectory,
  removeDirectory,
  stopNode,
  type TestNetwork,
  temporaryDirectory,
} from '../../src/testing/e2e.js';
import {
  adminKeyPath,
  keystoreSigner,
  type NodeProcess,
  runCli,
  startValidator,
  waitFor,
} from '../../src/testing/node-process.js';
import { registrationWorkload } from '../../src/testing/workload.js';

const BATCH = 100;
const ISOLATE_MS = 4_000;
const ENV = { MEDCHAIN_FAULT_INJECTION: '1', MEDCHAIN_ISOLATE_MS: String(ISOLATE_MS) };
const registry = new NodeRegistry();
let network: TestNetwork;
let chainId = '';
const processes: NodeProcess[] = [];
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const urlOf = (index: number) => `http://127.0.0.1:${network.port + index}`;
const clientOf = (index: number) => new MedchainClient({ baseUrl: urlOf(index) });

async function start(index: number): Promise<void> {
  const dir = nodeDirectory(network.dir, network.names[index]);
  processes[index] = registry.add(await startValidator(dir, urlOf(index), ENV));
}

before(async () => {
  network = await initNetwork(temporaryDirectory('consortium'), 4);
  await Promise.all([0, 1, 2, 3].map((index) => start(index)));
  chainId = (await clientOf(0).status()).chainId;
});

after(async () => {
  await registry.killAll();
  removeDirectory(network.dir);
});

/** A commit a client was told of: the answer to `?wait=commit`. */
interface Told {
  hash: string;
  height: number;
  index: number;
}

/** Registrations in batches to one validator's API, the last of each waiting for commit. */
async function load(client: MedchainClient, admin: Signer, seed: string, stop: { now: boolean }) {
  const told: Told[] = [];
  let nonce = (await client.account(toHex(admin.publicKey))).nonce;
  while (!stop.now) {
    const transactions = registrationWorkload({
      chainId,
      admin,
      startNonce: nonce,
      firstIndex: nonce,
      count: BATCH,
      seed,
      derivePublicKey: (signingSeed) => sodiumSigner(signingSeed).publicKey,
    });
    const results = await client.submitBatch(transactions.slice(0, -1));
    const last = await client.submit(transactions.at(-1)!, { wait: 'commit', timeoutMs: 20_000 });
    if (results.some((result) => 'error' in result) || last.status !== 'committed') {
      nonce = (await client.account(toHex(admin.publicKey))).pendingNonce;
      continue;
    }
    told.push({ hash: last.hash, height: last.height, index: last.index });
    nonce += BATCH;
  }
  return told;
}

const heights = () =>
  Promise.all([0, 1, 2, 3].map(async (i) => (await clientOf(i).status()).height));

/** The chain is committing: the height seen through `index` grows within the bound. */
async function assertCommitting(index: number, what: string): Promise<void> {
  const from = (await clientOf(index).status()).height;
  try {
    await waitFor(async () => (await clientOf(index).status()).height > from + 1, 15_000);
  } catch {
    assert.fail(`the chain stopped committing ${what}`);
  }
}

describe('e2e: a four-validator consortium under faults', () => {
  it('survives a SIGKILL and a cut-off validator with no divergence', async (t) => {
    const stop = { now: false };
    const admins = [
      await keystoreSigner(adminKeyPath(network.dir)),
      await keystoreSigner(adminKeyPath(network.dir, 'org-riverside-clinic')),
    ];
    // Clients talk to the hospital and the clinic; the payer and pharmacy take the faults.
    const loads = [
      load(clientOf(0), admins[0]!, 'faults-hospital', stop),
      load(clientOf(1), admins[1]!, 'faults-clinic', stop),
    ];
    const startedAt = Date.now();
    await sleep(2_000);
    await processes[2]!.kill('SIGKILL');
    await assertCommitting(0, 'with the payer killed');
    await start(2);
    processes[3]!.child.kill('SIGUSR2');
    await assertCommitting(0, 'with the pharmacy cut off');
    await sleep(ISOLATE_MS);
    stop.now = true;
    const told = (await Promise.all(loads)).flat();
    assert.ok(told.length >= 4, `only ${told.length} commits were reported under load`);

    const loadMs = Date.now() - startedAt;
    const caughtUpAt = Date.now();
    await waitFor(async () => new Set(await heights()).size === 1, 30_000);
    const height = (await heights())[0]!;
    assert.ok(height >= Math.max(...told.map((entry) => entry.height)));
    assert.match(processes[3]!.output(), /fault injection: peers restored/);
    const transactions = await checkAgreement(height);
    t.diagnostic(
      `${transactions} transactions in ${height} blocks over ${loadMs} ms of load; ` +
        `heights equal ${Date.now() - caughtUpAt} ms after it`,
    );
    await checkTold(told);
    // Stopping them one by one lets the last ones commit a block or two more: fine.
    await Promise.all(processes.map(async (node) => assert.equal(await stopNode(node), 0)));
    for (const name of network.names) {
      const audit = runCli(['verify', nodeDirectory(network.dir, name)]);
      assert.equal(audit.status, 0, `${name}: ${audit.stdout}${audit.stderr}`);
      const audited = Number(/up to height (\d+)$/m.exec(audit.stdout)?.[1]);
      assert.ok(audited >= height, `${name}: ${audit.stdout}`);
    }
  });
});

/** One block hash per height on every validator; returns the transactions committed. */
async function checkAgreement(height: number): Promise<number> {
  let transactions = 0;
  for (let h = 1; h <= height; h++) {
    const hashes = await Promise.all(
      [0, 1, 2, 3].map(async (i) => (await clientOf(i).block(h)).hash),
    );
    assert.equal(new Set(hashes).size, 1, `validators disagree at height ${h}: ${hashes}`);
    transactions += (await clientOf(0).block(h)).header.transactionCount;
  }
  return transactions;
}

/** Every commit a client was told of is where it was told, on every validator. */
async function checkTold(told: Told[]): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const client = clientOf(i);
    for (const entry of told) {
      const found = await client.transaction(entry.hash);
      assert.ok('height' in found, `validator ${i} lost ${entry.hash}`);
      assert.equal(found.height, entry.height);
      assert.equal(found.index, entry.index);
    }
  }
}
