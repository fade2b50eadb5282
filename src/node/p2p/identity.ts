/**
 * A validator's TLS identity is its validator key: a self-signed X.509 certificate whose
 * subject public key is the validator's Ed25519 key, signed by that same key. No CA is
 * involved; what makes a peer trusted is that its key is in the validator set, which the
 * governance state decides. See docs/adr/0004-p2p-tls-identity.md and docs/spec/p2p.md.
 *
 * The certificate is a pure function of the seed (fixed serial, validity and name, and
 * Ed25519 signatures are deterministic), so it never has to be stored or rotated apart
 * from the key. TLS 1.3's CertificateVerify message, checked by OpenSSL during the
 * handshake whatever the verify mode, proves the peer holds the private key of the
 * certificate it sent; peerIdentity then checks the rest.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  X509Certificate,
} from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { assert } from '../../protocol/core/assert.js';
import { bytesEqual, toHex } from '../../protocol/core/bytes.js';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SEED_BYTES } from '../../protocol/core/crypto.js';

/** RFC 8410: id-Ed25519. */
const ED25519_OID = '1.3.101.112';
const COMMON_NAME_OID = '2.5.4.3';
/** PKCS#8 v1 with id-Ed25519 and an OCTET STRING holding the 32-byte seed (RFC 8410 §7). */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SubjectPublicKeyInfo with id-Ed25519, up to the 32 key bytes (RFC 8410 §4). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** RFC 5280 §4.1.2.5: 99991231235959Z means "no well-defined expiration". */
const NOT_AFTER = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));
const NOT_BEFORE = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

export interface TlsIdentity {
  /** Lowercase hex of the validator's Ed25519 public key: the peer's name everywhere. */
  publicKeyHex: string;
  certificatePem: string;
  /** The secret as PKCS#8 PEM, the form node:tls takes. Never logged. */
  privateKeyPem: string;
}

/** Builds the TLS identity of the validator whose 32-byte Ed25519 seed is given. */
export function tlsIdentityFromSeed(seed: Uint8Array): TlsIdentity {
  assert(seed.length === ED25519_SEED_BYTES, 'tlsIdentityFromSeed: seed must be 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = rawEd25519PublicKey(createPublicKey(privateKey));
  assert(publicKey !== undefined, 'tlsIdentityFromSeed: OpenSSL gave a non-Ed25519 key');
  const certificate = selfSignedCertificate({
    publicKey,
    sign: (tbs) => nodeSign(null, tbs, privateKey),
  });
  return {
    publicKeyHex: toHex(publicKey),
    certificatePem: new X509Certificate(certificate).toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export interface CertificateParts {
  /** The subject public key, 32 bytes of Ed25519. */
  publicKey: Uint8Array;
  /** Signs the DER TBSCertificate; normally with the subject's own key. */
  sign: (tbsCertificate: Uint8Array) => Uint8Array;
  commonName?: string;
}

/**
 * DER of an X.509 v3 certificate for an Ed25519 key with issuer = subject. Exported so tests
 * can build certificates signed by the wrong key, which no honest node would produce.
 */
export function selfSignedCertificate(parts: CertificateParts): Buffer {
  assert(parts.publicKey.length === ED25519_PUBLIC_KEY_BYTES, 'certificate: key is 32 bytes');
  const algorithm = new AlgorithmIdentifier({ algorithm: ED25519_OID });
  const name = new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({
        type: COMMON_NAME_OID,
        value: new AttributeValue({ utf8String: parts.commonName ?? 'medchain validator' }),
      }),
    ]),
  ]);
  const spki = Buffer.concat([SPKI_PREFIX, parts.publicKey]);
  const tbs = new TBSCertificate({
    version: Version.v3,
    // Positive and fixed: the key, not the serial, identifies the certificate.
    serialNumber: Uint8Array.of(1).buffer,
    signature: algorithm,
    issuer: name,
    subject: name,
    validity: new Validity({ notBefore: NOT_BEFORE, notAfter: NOT_AFTER }),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
  });
  const signature = parts.sign(new Uint8Array(AsnConvert.serialize(tbs)));
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: Uint8Array.from(signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(certificate));
}

/** The 32 raw bytes of an Ed25519 public key object; undefined for any other kind of key. */
export function rawEd25519PublicKey(key: KeyObject): Uint8Array | undefined {
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    return undefined;
  }
  const der = key.export({ format: 'der', type: 'spki' });
  if (der.length !== SPKI_PREFIX.length + ED25519_PUBLIC_KEY_BYTES) {
    return undefined;
  }
  if (!bytesEqual(der.subarray(0, SPKI_PREFIX.length), SPKI_PREFIX)) {
    return undefined;
  }
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

export type PeerIdentityRefusal =
  | 'no_certificate'
  | 'not_ed25519'
  | 'not_self_signed'
  | 'not_tls_1_3'
  | 'self'
  | 'unexpected_key'
  | 'unauthorized';

export type PeerIdentityResult =
  | { ok: true; publicKeyHex: string }
  | { ok: false; reason: PeerIdentityRefusal };

export interface PeerIdentityInput {
  /** What the TLS socket reports after the handshake. */
  certificate: X509Certificate | undefined;
  protocol: string | null;
  localPublicKeyHex: string;
  /** When we dialed a known address: the key we meant to reach. */
  expectedPublicKeyHex?: string;
  isAuthorizedPeer: (publicKeyHex: string) => boolean;
}

/**
 * The check made on every connection once TLS is up, in both directions. Possession of the
 * key is already proven by the handshake; this decides whether that key may talk to us.
 * Ordered cheapest and most basic first; the first failure is the reason reported.
 */
export function peerIdentity(input: PeerIdentityInput): PeerIdentityResult {
  if (input.protocol !== 'TLSv1.3') {
    return { ok: false, reason: 'not_tls_1_3' };
  }
  const certificate = input.certificate;
  if (certificate === undefined) {
    return { ok: false, reason: 'no_certificate' };
  }
  const publicKey = rawEd25519PublicKey(certificate.publicKey);
  if (publicKey === undefined) {
    return { ok: false, reason: 'not_ed25519' };
  }
  // Self-consistency: issuer = subject and the certificate verifies under its own key. The
  // handshake does not need this, but a certificate that fails it was not made by us.
  if (certificate.issuer !== certificate.subject || !certificate.verify(certificate.publicKey)) {
    return { ok: false, reason: 'not_self_signed' };
  }
  const publicKeyHex = toHex(publicKey);
  if (publicKeyHex === input.localPublicKeyHex) {
    return { ok: false, reason: 'self' };
  }
  if (input.expectedPublicKeyHex !== undefined && publicKeyHex !== input.expectedPublicKeyHex) {
    return { ok: false, reason: 'unexpected_key' };
  }
  if (!input.isAuthorizedPeer(publicKeyHex)) {
    return { ok: false, reason: 'unauthorized' };
  }
  return { ok: true, publicKeyHex };
}
