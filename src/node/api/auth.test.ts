/**
 * The authenticator on its own: signed requests (good, tampered, stale, replayed), tokens
 * from a challenge–response, and keys that chain state does not hold as active.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../protocol/core/bytes.js';
import { pureCrypto } from '../../protocol/core/crypto.js';
import { generateParticipantKeys, signerFromSeed } from '../../sdk/keys.js';
import { bodySha256Hex, challengeBytes, signRequestHeaders } from '../../sdk/request-auth.js';
import { Authenticator } from './auth.js';

const keys = generateParticipantKeys();
const signer = signerFromSeed(keys.signing.seed);
const publicKey = toHex(signer.publicKey);
let now = 1_800_000_000_000;

const state: Record<string, unknown> = {
  [`identity.key.${publicKey}`]: {
    kind: 'member',
    organization: 'org-a',
    member: 'dr-a',
    active: true,
  },
  'identity.organization.org-a': { id: 'org-a', active: true },
  'identity.member.dr-a': {
    kind: 'practitioner',
    roles: ['clinician'],
    encryptionKey: toHex(keys.encryption.publicKey),
    signingKey: publicKey,
    active: true,
  },
};

const auth = new Authenticator({
  lookup: (module, name, params) =>
    (state[`${module}.${name}.${params.publicKey ?? params.id}`] ?? null) as never,
  verify: (key, message, signature) => pureCrypto.verifyEd25519(signature, message, key),
  nowMs: () => now,
});

function signed(path: string, body?: string, overrides: Record<string, string> = {}): Request {
  const headers = signRequestHeaders(signer, {
    method: body === undefined ? 'GET' : 'POST',
    pathAndQuery: path,
    bodySha256: bodySha256Hex(body),
    timestampMs: now,
  });
  return new Request(`http://node${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...headers, ...overrides },
    ...(body === undefined ? {} : { body }),
  });
}

describe('authenticator', () => {
  it('accepts a signed request from an active member, once', async () => {
    const request = signed('/v1/state/consent/grants?patient=p-1');
    const result = await auth.authenticate(request.clone());
    assert.equal(result.ok && result.principal.member, 'dr-a');
    const replay = await auth.authenticate(request);
    assert.equal(replay.ok, false);
  });

  it('refuses a changed path, a changed body, a stale time and no header', async () => {
    const request = signed('/v1/state/consent/grants?patient=p-1');
    const moved = new Request('http://node/v1/state/consent/grants?patient=p-2', request);
    assert.equal((await auth.authenticate(moved)).ok, false);
    const body = signed('/v1/auth/whoami', '{"a":1}');
    const swapped = new Request(body.url, { method: 'POST', headers: body.headers, body: '{}' });
    assert.equal((await auth.authenticate(swapped)).ok, false);
    const stale = signed('/v1/x');
    now += 61_000;
    assert.equal((await auth.authenticate(stale)).ok, false);
    assert.equal((await auth.authenticate(new Request('http://node/v1/x'))).ok, false);
  });

  it('issues a token for a signed challenge and honours it until it expires', async () => {
    const { challenge } = auth.challenge(publicKey);
    const signature = toHex(signer.sign(challengeBytes(challenge)));
    const issued = auth.issueToken({ publicKey, challenge, signature });
    assert.ok(issued.ok);
    const bearer = (token: string) =>
      new Request('http://node/v1/x', { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await auth.authenticate(bearer(issued.token))).ok, true);
    assert.equal(auth.issueToken({ publicKey, challenge, signature }).ok, false);
    assert.equal((await auth.authenticate(bearer(`${issued.token.slice(0, -2)}xx`))).ok, false);
    now += 11 * 60_000;
    assert.equal((await auth.authenticate(bearer(issued.token))).ok, false);
  });

  it('refuses a key that is not active in state', async () => {
    const record = state[`identity.key.${publicKey}`] as { active: boolean };
    record.active = false;
    assert.equal((await auth.authenticate(signed('/v1/y'))).ok, false);
    record.active = true;
  });
});
