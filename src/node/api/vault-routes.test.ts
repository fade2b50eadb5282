/**
 * The vault routes through app.request(), no socket: a document encrypted by the SDK is
 * uploaded, downloaded, decrypted and erased; wraps are stored and fetched; limits, the
 * gate's refusals and its audit hook behave as specified; erased objects answer 410.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { encryptionKeyPairFromSecret } from '../../sdk/keys.js';
import { decryptDocument } from '../../sdk/vault/decrypt.js';
import { encryptDocument } from '../../sdk/vault/encrypt.js';
import { decodeKeyWrap, encodeKeyWrap } from '../../sdk/vault/key-wrap.js';
import { collect, patternBytes, streamOf } from '../../sdk/vault/test-streams.js';
import { DirectoryVaultBackend } from '../vault/directory-vault-backend.js';
import type { EmergencyEscrow } from '../vault/emergency-release.js';
import { MemoryVaultBackend } from '../vault/memory-vault-backend.js';
import type { VaultBackend, VaultLimits } from '../vault/vault-backend.js';
import { type AuditContext, allowAllGate, type VaultGate } from '../vault/vault-gate.js';
import { createVaultRoutes, type VaultRouteOptions } from './vault-routes.js';

const patient = encryptionKeyPairFromSecret(patternBytes(1, 32));
const base = mkdtempSync(join(tmpdir(), 'medchain-vault-routes-'));
after(() => rmSync(base, { recursive: true, force: true }));

function upload(app: ReturnType<typeof createVaultRoutes>, body: ReadableStream<Uint8Array>) {
  return app.request(
    new Request('http://vault/v1/vault/objects', {
      method: 'PUT',
      body,
      duplex: 'half',
    } as RequestInit),
  );
}

async function encrypted(size: number) {
  const plaintext = patternBytes(size, size);
  const document = await encryptDocument(streamOf(plaintext, 50_000), {
    recordId: 'rec-7',
    version: 1,
    recipients: [patient.publicKey],
    chunkSizeBytes: 64 * 1024,
  });
  const ciphertext = await collect(document.ciphertext);
  return { plaintext, ciphertext, result: await document.completion };
}

async function problemCode(response: Response): Promise<string> {
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  return ((await response.json()) as { code: string }).code;
}

const BACKENDS: [string, (limits?: Partial<VaultLimits>) => Promise<VaultBackend>][] = [
  ['memory', async (limits) => new MemoryVaultBackend(limits === undefined ? {} : { limits })],
  [
    'directory',
    (limits) =>
      DirectoryVaultBackend.open({
        directory: mkdtempSync(join(base, 'vault-')),
        ...(limits === undefined ? {} : { limits }),
      }),
  ],
];

for (const [name, makeBackend] of BACKENDS) {
  describe(`vault routes over the ${name} backend`, () => {
    test('upload, wrap, download, decrypt, erase, then 410 everywhere', async () => {
      const app = createVaultRoutes({ backend: await makeBackend(), gate: allowAllGate });
      const { plaintext, ciphertext, result } = await encrypted(300_000);
      const put = await upload(app, streamOf(ciphertext, 16_384));
      assert.equal(put.status, 201);
      assert.deepEqual(await put.json(), { hash: result.contentHash, sizeBytes: result.sizeBytes });
      assert.equal((await upload(app, streamOf(ciphertext))).status, 200);

      const hash = result.contentHash;
      const wrap = result.wraps[0]!;
      const keyPath = `/v1/vault/objects/${hash}/keys/${wrap.recipient}`;
      const stored = await app.request(keyPath, { method: 'PUT', body: encodeKeyWrap(wrap) });
      assert.equal(stored.status, 201);
      const fetched = await app.request(keyPath);
      assert.equal(fetched.status, 200);
      const fetchedWrap = decodeKeyWrap(
        wrap.recipient,
        new Uint8Array(await fetched.arrayBuffer()),
      );

      const download = await app.request(`/v1/vault/objects/${hash}`);
      assert.equal(download.status, 200);
      assert.equal(download.headers.get('content-length'), String(result.sizeBytes));
      const binding = { recordId: 'rec-7', version: 1, contentHash: hash };
      const options = { wrap: fetchedWrap, binding, recipientSecretKey: patient.secretKey };
      const decrypted = await decryptDocument(download.body!, options);
      assert.deepEqual(await collect(decrypted), plaintext);

      const erased = await app.request(`/v1/vault/objects/${hash}`, { method: 'DELETE' });
      assert.equal(erased.status, 200);
      assert.deepEqual(await erased.json(), {
        hash,
        erased: true,
        objectDestroyed: true,
        keyWrapsDestroyed: 1,
      });
      for (const [path, method] of [
        [`/v1/vault/objects/${hash}`, 'GET'],
        [keyPath, 'GET'],
        [`/v1/vault/objects/${hash}`, 'DELETE'],
      ] as const) {
        const response = await app.request(path, { method });
        assert.equal(response.status, 410, `${method} ${path}`);
        assert.equal(await problemCode(response), 'gone');
      }
      const again = await upload(app, streamOf(ciphertext));
      assert.equal(again.status, 410);
    });

    test('bodies over the limit are refused with 413, declared or streamed', async () => {
      const backend = await makeBackend({ objectSizeBytesMax: 1000 });
      const app = createVaultRoutes({ backend, gate: allowAllGate }, { objectSizeBytesMax: 1000 });
      const declared = await app.request('/v1/vault/objects', {
        method: 'PUT',
        body: patternBytes(2, 1001),
      });
      assert.equal(declared.status, 413);
      const streamed = await upload(app, streamOf(patternBytes(3, 5000), 100));
      assert.equal(streamed.status, 413);
      assert.equal(await problemCode(streamed), 'payload_too_large');
    });
  });
}

describe('vault routes: addresses, wraps and limits', () => {
  const make = (options: VaultRouteOptions = {}, gate: VaultGate = allowAllGate) =>
    createVaultRoutes({ backend: new MemoryVaultBackend(), gate }, options);

  test('malformed hashes and recipients are 400, unknown objects 404', async () => {
    const app = make();
    const bad = await app.request('/v1/vault/objects/ABC');
    assert.equal(bad.status, 400);
    assert.equal(await problemCode(bad), 'invalid_params');
    const missing = await app.request(`/v1/vault/objects/${'00'.repeat(32)}`);
    assert.equal(missing.status, 404);
    const badRecipient = await app.request(`/v1/vault/objects/${'00'.repeat(32)}/keys/zz`);
    assert.equal(badRecipient.status, 400);
    const wrapForMissing = await app.request(
      `/v1/vault/objects/${'00'.repeat(32)}/keys/${'11'.repeat(32)}`,
      { method: 'PUT', body: new Uint8Array(81) },
    );
    assert.equal(wrapForMissing.status, 404);
  });

  test('a key wrap over the limit is 413', async () => {
    const app = make({ keyWrapBytesMax: 100 });
    const { hash } = (await (await upload(app, streamOf(patternBytes(4, 10)))).json()) as {
      hash: string;
    };
    const response = await app.request(`/v1/vault/objects/${hash}/keys/${'11'.repeat(32)}`, {
      method: 'PUT',
      body: new Uint8Array(101),
    });
    assert.equal(response.status, 413);
  });

  test('a busy vault answers 503', async () => {
    const backend = new MemoryVaultBackend({ limits: { uploadsConcurrentMax: 1 } });
    const app = createVaultRoutes({ backend, gate: allowAllGate });
    let release!: () => void;
    const held = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(Uint8Array.of(1));
        release = () => controller.close();
      },
    });
    const first = upload(app, held);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await upload(app, streamOf(Uint8Array.of(2)));
    assert.equal(second.status, 503);
    assert.equal(await problemCode(second), 'vault_busy');
    release();
    assert.equal((await first).status, 201);
  });
});

describe('vault routes: the gate', () => {
  const refusing = (overrides: Partial<VaultGate>): VaultGate => ({
    ...allowAllGate,
    ...overrides,
  });

  test('an unauthenticated caller gets 401 and a refused one 403, before any storage', async () => {
    const backend = new MemoryVaultBackend();
    const noOne = createVaultRoutes({
      backend,
      gate: refusing({ authenticate: async () => ({ ok: false, reason: 'no signature' }) }),
    });
    const unauthenticated = await upload(noOne, streamOf(Uint8Array.of(1)));
    assert.equal(unauthenticated.status, 401);
    assert.equal(await problemCode(unauthenticated), 'unauthenticated');
    const denied = { allowed: false, reason: 'no active consent' };
    const app = createVaultRoutes({
      backend,
      gate: refusing({
        authorizeUpload: async () => denied,
        authorizeRead: async () => denied,
        authorizeErase: async () => denied,
        authorizeKeyWrite: async () => denied,
      }),
    });
    const hash = '00'.repeat(32);
    const responses = await Promise.all([
      upload(app, streamOf(Uint8Array.of(1))),
      app.request(`/v1/vault/objects/${hash}`),
      app.request(`/v1/vault/objects/${hash}`, { method: 'DELETE' }),
      app.request(`/v1/vault/objects/${hash}/keys/${hash}`),
      app.request(`/v1/vault/objects/${hash}/keys/${hash}`, { method: 'PUT', body: 'x' }),
    ]);
    for (const response of responses) {
      assert.equal(response.status, 403);
      assert.equal(await problemCode(response), 'forbidden');
    }
    const erasedOnChain = createVaultRoutes({
      backend,
      gate: refusing({
        authorizeRead: async () => ({ allowed: false, reason: 'record erased', erased: true }),
      }),
    });
    const gone = await erasedOnChain.request(`/v1/vault/objects/${hash}`);
    assert.equal(gone.status, 410);
  });

  test('each object read is audited once; one that cannot be audited is not served', async () => {
    const reads: AuditContext[] = [];
    let failing = false;
    const gate = refusing({
      recordRead: async (context) => {
        if (failing) {
          throw new Error('audit unavailable');
        }
        reads.push(context);
      },
    });
    const app = createVaultRoutes({ backend: new MemoryVaultBackend(), gate });
    const put = await upload(app, streamOf(patternBytes(5, 100)));
    const { hash } = (await put.json()) as { hash: string };
    assert.equal((await app.request(`/v1/vault/objects/${hash}`)).status, 200);
    assert.deepEqual(reads, [{ hash, requester: 'anonymous', basis: 'test' }]);
    failing = true;
    const refused = await app.request(`/v1/vault/objects/${hash}`);
    assert.equal(refused.status, 500);
    assert.equal(reads.length, 1);
  });
});

describe('vault routes: emergency key release', () => {
  const hash = 'ab'.repeat(32);
  const escrowKey = 'cd'.repeat(32);
  const reader = 'ef'.repeat(32);
  const refusingGate: VaultGate = {
    ...allowAllGate,
    authorizeKeyWrite: async () => ({ allowed: false, reason: 'the gate refuses' }),
  };
  const escrow: EmergencyEscrow = {
    recipient: escrowKey,
    release: async ({ recipient }) =>
      recipient === reader
        ? {
            ok: true,
            record: 'rec-7',
            version: 1,
            recipient,
            wrap: new Uint8Array(81).fill(1),
            breakGlass: '11'.repeat(32),
            notAfter: 1,
            audit: '22'.repeat(32),
          }
        : { ok: false, code: 'escrow_declined', reason: 'declined' },
    authorizeEscrowWrite: async ({ wrap }) =>
      wrap.length === 81
        ? { ok: true, reason: 'escrowed' }
        : { ok: false, code: 'invalid_params', reason: 'no' },
  };
  const post = (app: ReturnType<typeof createVaultRoutes>, recipient: string) =>
    app.request(`/v1/vault/objects/${hash}/emergency-release/${recipient}`, { method: 'POST' });

  test('answers the release as JSON and refusals as problem+json', async () => {
    const backend = new MemoryVaultBackend();
    const app = createVaultRoutes({ backend, gate: allowAllGate, escrow });
    const released = await post(app, reader);
    assert.equal(released.status, 200);
    const body = (await released.json()) as { wrap: string; audit: string };
    assert.equal(body.wrap, '01'.repeat(81));
    assert.equal(body.audit, '22'.repeat(32));
    const declined = await post(app, '00'.repeat(32));
    assert.equal(declined.status, 409);
    assert.equal(await problemCode(declined), 'escrow_declined');
    assert.equal(await problemCode(await post(app, 'XYZ')), 'invalid_params');
    const none = createVaultRoutes({ backend, gate: allowAllGate });
    const unavailable = await post(none, reader);
    assert.equal(unavailable.status, 409);
    assert.equal(await problemCode(unavailable), 'escrow_unavailable');
  });

  test('the escrow decides writes to the escrow slot; the gate decides every other', async () => {
    const backend = new MemoryVaultBackend();
    const stored = await backend.putObject(streamOf(patternBytes(3, 100), 100));
    assert.equal(stored.status, 'stored');
    const object = stored.status === 'stored' ? stored.hash : '';
    const app = createVaultRoutes({ backend, gate: refusingGate, escrow });
    const put = (recipient: string, body: Uint8Array<ArrayBuffer>) =>
      app.request(`/v1/vault/objects/${object}/keys/${recipient}`, { method: 'PUT', body });
    assert.equal((await put(escrowKey, new Uint8Array(81).fill(1))).status, 201);
    assert.equal(await problemCode(await put(escrowKey, new Uint8Array(3))), 'invalid_params');
    assert.equal(await problemCode(await put(reader, new Uint8Array(81))), 'forbidden');
  });
});
