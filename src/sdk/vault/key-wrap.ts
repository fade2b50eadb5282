/**
 * Wrapping a document key for one reader with HPKE (RFC 9180) in base mode, suite
 * DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM. The HPKE `info` binds the wrap to
 * its document (record id, version, content hash) and to the recipient's public key, so a
 * wrap copied onto another document or another reader's slot fails to open.
 */
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { x25519 } from '@noble/curves/ed25519.js';
import { fromHex, isHex, toHex } from '../../protocol/core/bytes.js';
import { DocumentKey } from './document-key.js';
import { VaultCryptoError } from './errors.js';
import { DOCUMENT_KEY_BYTES, TAG_BYTES } from './format.js';

export const X25519_KEY_BYTES = 32;
export const KEY_WRAP_VERSION = 1;
/** version (1) ‖ enc (32) ‖ sealed document key (32 + 16). */
export const KEY_WRAP_BYTES = 1 + X25519_KEY_BYTES + DOCUMENT_KEY_BYTES + TAG_BYTES;
export const RECORD_ID_BYTES_MAX = 256;
const INFO_LABEL = new TextEncoder().encode('medchain:vault:key-wrap:v1\n');

/** What a wrap is bound to. The content hash is the SHA-256 of the whole ciphertext. */
export interface DocumentBinding {
  recordId: string;
  version: number;
  /** Lowercase hex, 64 digits. */
  contentHash: string;
}

export interface KeyWrap {
  /** The reader's X25519 public key, lowercase hex. */
  recipient: string;
  /** HPKE encapsulated key (the ephemeral public key), 32 bytes. */
  enc: Uint8Array;
  /** The document key sealed by the HPKE context, 48 bytes. */
  wrappedKey: Uint8Array;
}

let suiteInstance: CipherSuite | undefined;

/** The HPKE suite; the X25519 KEM is the pure-JavaScript one so every browser can run it. */
export function hpkeSuite(): CipherSuite {
  suiteInstance ??= new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Aes256Gcm(),
  });
  return suiteInstance;
}

function checkKey(bytes: Uint8Array, what: string): void {
  if (bytes.length !== X25519_KEY_BYTES) {
    throw new VaultCryptoError('invalid_argument', `${what} is ${X25519_KEY_BYTES} bytes`);
  }
}

/**
 * label ‖ u16 length ‖ record id (UTF-8) ‖ u32 version ‖ content hash (32) ‖ recipient (32),
 * all big-endian. Lengths are fixed or prefixed, so two bindings never encode the same.
 */
export function encodeBinding(binding: DocumentBinding, recipient: Uint8Array): Uint8Array {
  const recordId = new TextEncoder().encode(binding.recordId);
  const valid =
    recordId.length > 0 &&
    recordId.length <= RECORD_ID_BYTES_MAX &&
    Number.isInteger(binding.version) &&
    binding.version >= 0 &&
    binding.version <= 0xffffffff &&
    isHex(binding.contentHash, 32);
  if (!valid) {
    throw new VaultCryptoError('invalid_argument', 'binding needs a record id, version and hash');
  }
  checkKey(recipient, 'a recipient public key');
  const out = new Uint8Array(INFO_LABEL.length + 2 + recordId.length + 4 + 32 + 32);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(INFO_LABEL, at);
  at += INFO_LABEL.length;
  view.setUint16(at, recordId.length, false);
  out.set(recordId, at + 2);
  at += 2 + recordId.length;
  view.setUint32(at, binding.version, false);
  out.set(fromHex(binding.contentHash), at + 4);
  out.set(recipient, at + 36);
  return out;
}

export interface WrapKeyParams {
  documentKey: DocumentKey;
  binding: DocumentBinding;
  /** The reader's X25519 public key. */
  recipient: Uint8Array;
}

/** Seals the document key for one reader. A grant calls this with the owner's unwrapped key. */
export async function wrapKeyFor(params: WrapKeyParams): Promise<KeyWrap> {
  const suite = hpkeSuite();
  const info = encodeBinding(params.binding, params.recipient);
  const recipientPublicKey = await suite.kem.deserializePublicKey(params.recipient);
  const sealed = await suite.seal({ recipientPublicKey, info }, params.documentKey.exportBytes());
  return {
    recipient: toHex(params.recipient),
    enc: new Uint8Array(sealed.enc),
    wrappedKey: new Uint8Array(sealed.ct),
  };
}

export interface UnwrapKeyParams {
  wrap: KeyWrap;
  binding: DocumentBinding;
  /** The reader's X25519 secret key (32 bytes); its public key is derived from it. */
  recipientSecretKey: Uint8Array;
}

/** Opens a wrap; fails with key_unwrap_failed for a wrong key or a wrap from elsewhere. */
export async function unwrapDocumentKey(params: UnwrapKeyParams): Promise<DocumentKey> {
  checkKey(params.recipientSecretKey, 'a recipient secret key');
  const suite = hpkeSuite();
  const recipient = x25519.getPublicKey(params.recipientSecretKey);
  const info = encodeBinding(params.binding, recipient);
  try {
    const recipientKey = await suite.kem.importKey(
      'raw',
      new Uint8Array(params.recipientSecretKey).buffer,
      false,
    );
    const opened = await suite.open(
      { recipientKey, enc: params.wrap.enc, info },
      params.wrap.wrappedKey,
    );
    return DocumentKey.fromBytes(new Uint8Array(opened));
  } catch (cause) {
    if (cause instanceof VaultCryptoError) {
      throw cause;
    }
    throw new VaultCryptoError('key_unwrap_failed', 'the key wrap does not open with this key', {
      cause,
    });
  }
}

/** The 81 bytes the vault stores per (document, recipient): version ‖ enc ‖ wrapped key. */
export function encodeKeyWrap(wrap: KeyWrap): Uint8Array<ArrayBuffer> {
  if (wrap.enc.length !== X25519_KEY_BYTES || wrap.wrappedKey.length !== KEY_WRAP_BYTES - 33) {
    throw new VaultCryptoError('malformed_key_wrap', 'a key wrap has a 32-byte enc and 48 bytes');
  }
  const out = new Uint8Array(KEY_WRAP_BYTES);
  out[0] = KEY_WRAP_VERSION;
  out.set(wrap.enc, 1);
  out.set(wrap.wrappedKey, 1 + X25519_KEY_BYTES);
  return out;
}

export function decodeKeyWrap(recipient: string, bytes: Uint8Array): KeyWrap {
  if (bytes.length !== KEY_WRAP_BYTES || bytes[0] !== KEY_WRAP_VERSION) {
    throw new VaultCryptoError('malformed_key_wrap', `a key wrap is ${KEY_WRAP_BYTES} bytes, v1`);
  }
  if (!isHex(recipient, X25519_KEY_BYTES)) {
    throw new VaultCryptoError('invalid_argument', 'recipient must be 64 lowercase hex digits');
  }
  return {
    recipient,
    enc: bytes.slice(1, 1 + X25519_KEY_BYTES),
    wrappedKey: bytes.slice(1 + X25519_KEY_BYTES),
  };
}

/**
 * What the escrow slot holds when the patient declined emergency key escrow for a document
 * (docs/adr/0006-emergency-key-release.md): not a wrap (a wrap starts with version 0x01),
 * so nothing in the slot opens, and the custodian can say why a break-glass reader gets
 * ciphertext only instead of answering as if the key were merely missing.
 */
export const ESCROW_DECLINED: Uint8Array<ArrayBuffer> = new TextEncoder().encode(
  '\0medchain:escrow-declined:v1',
);

export function isEscrowDeclined(bytes: Uint8Array): boolean {
  const marker = ESCROW_DECLINED;
  return bytes.length === marker.length && bytes.every((byte, i) => byte === marker[i]);
}
