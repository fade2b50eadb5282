/**
 * The upload route under @hono/node-server, where it reads the Node request directly rather
 * than its web-stream wrapper: a streamed body is stored whole under its hash, and one over
 * the limit is refused while it streams.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type ServerType, serve } from '@hono/node-server';
import { patternBytes } from '../../sdk/vault/test-streams.js';
import { DirectoryVaultBackend } from '../vault/directory-vault-backend.js';
import { allowAllGate } from '../vault/vault-gate.js';
import { createVaultRoutes } from './vault-routes.js';

const LIMIT_BYTES = 2 * 1024 * 1024;
const directory = mkdtempSync(join(tmpdir(), 'medchain-vault-node-'));
let server: ServerType;
let port = 0;

before(async () => {
  const backend = await DirectoryVaultBackend.open({
    directory,
    limits: { objectSizeBytesMax: LIMIT_BYTES },
    writeBatchBytes: 64 * 1024,
    syncEveryBytes: 256 * 1024,
  });
  const app = createVaultRoutes({ backend, gate: allowAllGate });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      port = (info as AddressInfo).port;
      resolve();
    });
  });
});

after(() => {
  server.close();
  rmSync(directory, { recursive: true, force: true });
});

/** PUTs `bytes` in 16 KiB writes (chunked encoding); resolves with the answer or the error. */
function put(bytes: Uint8Array): Promise<{ status: number; body: string } | Error> {
  return new Promise((resolve) => {
    const req = request(
      { hostname: '127.0.0.1', port, path: '/v1/vault/objects', method: 'PUT' },
      (response) => {
        const pieces: Buffer[] = [];
        response.on('data', (piece: Buffer) => pieces.push(piece));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(pieces).toString() }),
        );
      },
    );
    req.on('error', resolve);
    for (let at = 0; at < bytes.length; at += 16 * 1024) {
      req.write(bytes.subarray(at, at + 16 * 1024));
    }
    req.end();
  });
}

test('a streamed upload is stored whole under its SHA-256', async () => {
  const bytes = patternBytes(3, 1_500_000);
  const answer = await put(bytes);
  assert.ok(!(answer instanceof Error), String(answer));
  assert.equal(answer.status, 201);
  const expected = createHash('sha256').update(bytes).digest('hex');
  assert.deepEqual(JSON.parse(answer.body), { hash: expected, sizeBytes: bytes.length });
});

test('an upload over the limit is refused while it streams', async () => {
  const answer = await put(patternBytes(4, LIMIT_BYTES + 100_000));
  // The refusal may reach the client before the connection closes, or the reset first.
  if (!(answer instanceof Error)) {
    assert.equal(answer.status, 413);
  }
});
