/**
 * The TLS identity is the validator key: the certificate carries exactly the key a
 * validator keystore holds, is a pure function of the seed, and peerIdentity refuses every
 * certificate that is not a self-signed Ed25519 certificate of an authorized other key.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { toHex } from '../../protocol/core/bytes.js';
import { generateParticipantKeys } from '../../sdk/keys.js';
import { decryptKeystore, plaintextKeystore } from '../../sdk/keystore.js';
import { sodiumSigner } from '../crypto/sodium-crypto.js';
import {
  type PeerIdentityInput,
  peerIdentity,
  selfSignedCertificate,
  tlsIdentityFromSeed,
} from './identity.js';

const seedOf = (byte: number) => new Uint8Array(32).fill(byte);

describe('identity: certificate from the validator key', () => {
  it('carries the keystore signing key, is deterministic, and verifies under itself', async () => {
    const keys = generateParticipantKeys();
    const file = plaintextKeystore(keys, { label: 'validator', createdAt: new Date(0) });
    const opened = await decryptKeystore(file, '');
    const identity = tlsIdentityFromSeed(opened.signing.seed);
    assert.equal(identity.publicKeyHex, file.publicKeys.signing);
    assert.equal(identity.publicKeyHex, toHex(sodiumSigner(opened.signing.seed).publicKey));
    assert.equal(tlsIdentityFromSeed(opened.signing.seed).certificatePem, identity.certificatePem);
    const certificate = new X509Certificate(identity.certificatePem);
    assert.equal(certificate.publicKey.asymmetricKeyType, 'ed25519');
    assert.equal(certificate.issuer, certificate.subject);
    assert.ok(certificate.verify(certificate.publicKey));
    assert.ok(!identity.certificatePem.includes('PRIVATE'));
  });
});

describe('identity: peerIdentity', () => {
  const local = tlsIdentityFromSeed(seedOf(1));
  const peer = tlsIdentityFromSeed(seedOf(2));
  const base: PeerIdentityInput = {
    certificate: new X509Certificate(peer.certificatePem),
    protocol: 'TLSv1.3',
    localPublicKeyHex: local.publicKeyHex,
    isAuthorizedPeer: (key) => key === peer.publicKeyHex || key === local.publicKeyHex,
  };
  const refusal = (input: Partial<PeerIdentityInput>) => {
    const result = peerIdentity({ ...base, ...input });
    return result.ok ? 'accepted' : result.reason;
  };

  it('accepts an authorized peer, with or without an expected key', () => {
    assert.deepEqual(peerIdentity(base), { ok: true, publicKeyHex: peer.publicKeyHex });
    assert.equal(refusal({ expectedPublicKeyHex: peer.publicKeyHex }), 'accepted');
  });

  it('refuses everything else, naming why', () => {
    assert.equal(refusal({ protocol: 'TLSv1.2' }), 'not_tls_1_3');
    assert.equal(refusal({ protocol: null }), 'not_tls_1_3');
    assert.equal(refusal({ certificate: undefined }), 'no_certificate');
    assert.equal(refusal({ isAuthorizedPeer: () => false }), 'unauthorized');
    assert.equal(refusal({ expectedPublicKeyHex: local.publicKeyHex }), 'unexpected_key');
    const own = new X509Certificate(local.certificatePem);
    assert.equal(refusal({ certificate: own }), 'self');
  });

  it('refuses a certificate naming an authorized key but signed by another key', () => {
    // Whoever presents it in a handshake must hold the named key (CertificateVerify), so
    // this is no impersonation; but no honest node makes such a certificate.
    const forger = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seedOf(9)]),
      format: 'der',
      type: 'pkcs8',
    });
    const forged = selfSignedCertificate({
      publicKey: Buffer.from(peer.publicKeyHex, 'hex'),
      sign: (tbs) => sign(null, tbs, forger),
    });
    assert.equal(refusal({ certificate: new X509Certificate(forged) }), 'not_self_signed');
  });
});
