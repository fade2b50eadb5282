/**
 * The custodian's erasures on a memory node: a request committed while the vault was not
 * running is carried out when it starts (ciphertext and wraps destroyed, confirmErasure
 * committed); one committed while it runs is carried out at once; a restart does not scan
 * again what the persisted cursor says is done; a failed confirmation is retried and the
 * cursor does not move past it until it succeeds.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { records } from '../../sdk/health.js';
import { removeDirectory, temporaryDirectory } from '../../testing/e2e.js';
import { FhirFixture } from '../api/fhir/test-fixture.js';
import { MemoryVaultBackend } from '../vault/memory-vault-backend.js';
import type { VaultBackend } from '../vault/vault-backend.js';
import { type ErasureFollowerParams, followErasures } from './erasure-follower.js';
import { silentLogger } from './logger.js';
import { serialSubmitter, stateLookup } from './vault-service.js';

const HOSPITAL = 'org-general-hospital';
const directory = temporaryDirectory('erasure-follower');

after(() => removeDirectory(directory));

function bytes(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

describe('vault erasure follower', { timeout: 30_000 }, () => {
  it('catches up on start, follows live, keeps its cursor, retries failures', async () => {
    const fx = new FhirFixture('erasure');
    fx.commit([
      fx.memberTx('hospital', 'dr-a', 'practitioner', ['clinician']),
      fx.memberTx('hospital', 'pt-a', 'patient', []),
      fx.memberTx('hospital', 'svc-vault', 'service', []),
    ]);
    const counted = new MemoryVaultBackend();
    let erasedObjects = 0;
    const backend: VaultBackend = Object.assign(Object.create(counted) as VaultBackend, {
      eraseObject: (hash: string) => {
        erasedObjects++;
        return counted.eraseObject(hash);
      },
    });
    const hashes: Record<string, string> = {};
    for (const id of ['rec-a', 'rec-b', 'rec-c']) {
      const stored = await backend.putObject(bytes(`ciphertext of ${id}`));
      assert.equal(stored.status, 'stored');
      hashes[id] = stored.status === 'stored' ? stored.hash : '';
      const recipient = 'ab'.repeat(32);
      await backend.putKeyWrap({ hash: hashes[id] ?? '', recipient }, new Uint8Array(81));
      fx.commit([
        fx.anchorTx({
          id,
          patient: 'pt-a',
          author: 'dr-a',
          resourceType: 'DiagnosticReport',
          category: 'laboratory',
          contentHash: hashes[id],
          sizeBytes: `ciphertext of ${id}`.length,
        }),
      ]);
    }
    const patient = fx.signer('pt-a');
    const requestErasure = (record: string) =>
      fx.commit([fx.sign(patient, records.requestErasure({ record }))]);
    const erasure = (record: string) =>
      fx.ledger.query('records', 'erasure', { record }) as { status: string } | null;
    const { node } = fx.memory;
    const store = node.deps.store;
    const service = fx.signer('svc-vault');
    const submit = serialSubmitter(node, service, fx.memory.genesis.chainId);
    const cursorPath = join(directory, 'vault-erasures.json');
    const params: ErasureFollowerParams = {
      node,
      backend,
      lookup: stateLookup(node),
      organization: HOSPITAL,
      logger: silentLogger,
      submit,
      cursorPath,
      retryMs: 20,
    };
    // The vault's own transactions commit only when a block is made: make them steadily.
    const producer = setInterval(() => node.produceBlock(), 5);
    try {
      // Requested while the vault was down: carried out when it starts.
      requestErasure('rec-a');
      assert.equal((await counted.getObject(hashes['rec-a'] ?? '')).status, 'found');
      const first = followErasures(params);
      await until(() => erasure('rec-a')?.status === 'confirmed', 'the catch-up erasure');
      assert.equal((await counted.getObject(hashes['rec-a'] ?? '')).status, 'gone');
      const wrap = { hash: hashes['rec-a'] ?? '', recipient: 'ab'.repeat(32) };
      assert.notEqual((await counted.getKeyWrap(wrap)).status, 'found');
      assert.equal((await counted.getObject(hashes['rec-b'] ?? '')).status, 'found');

      // Requested while it runs: carried out at once.
      requestErasure('rec-b');
      await until(() => erasure('rec-b')?.status === 'confirmed', 'the live erasure');
      assert.equal((await counted.getObject(hashes['rec-b'] ?? '')).status, 'gone');
      await first.idle();
      first.stop();
      const saved = JSON.parse(readFileSync(cursorPath, 'utf8')) as { height: number };
      assert.equal(saved.height, first.cursor());
      assert.ok(saved.height >= store.latestHeight() - 1);

      // A restart scans from the cursor, not from genesis: nothing is erased twice.
      erasedObjects = 0;
      const second = followErasures(params);
      await second.idle();
      second.stop();
      assert.equal(erasedObjects, 0);

      // A confirmation that fails is retried; the cursor stays before its block meanwhile.
      requestErasure('rec-c');
      const requestedAt = store.latestHeight();
      let failures = 1;
      const third = followErasures({
        ...params,
        submit: async (module, action, args) => {
          if (failures-- > 0) {
            return { hash: '', code: -1, name: 'timeout', message: 'not committed' };
          }
          return submit(module, action, args);
        },
      });
      await until(() => erasure('rec-c')?.status === 'confirmed', 'the retried erasure');
      assert.equal(failures, -1);
      await third.idle();
      assert.ok(third.cursor() >= requestedAt);
      third.stop();
      assert.equal((await counted.getObject(hashes['rec-c'] ?? '')).status, 'gone');
    } finally {
      clearInterval(producer);
    }
  });
});
