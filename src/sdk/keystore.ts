/**
 * The keystore file: a participant's two secrets sealed under a passphrase, with the public
 * keys in the clear so that tools can show who a file belongs to without asking for the
 * passphrase. Normative description: docs/spec/keystore.md.
 *
 * scrypt stretches the passphrase (its parameters travel in the file, so they can be raised
 * later without breaking old files); AES-256-GCM seals the secrets, and its associated data
 * binds the public keys so that a file cannot be edited to claim someone else's identity.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { type Bytes, concatBytes, fromHex, isHex, toHex, utf8 } from '../protocol/core/bytes.js';
import { canonicalBytes } from '../protocol/core/canonical.js';
import { isPlainObject } from '../protocol/ledger/transaction.js';
import { KeystoreError } from './errors.js';
import {
  encryptionKeyPairFromSecret,
  type ParticipantKeys,
  type PublicKeysHex,
  publicKeysHex,
  randomBytes,
  signingKeyPairFromSeed,
} from './keys.js';

export const KEYSTORE_TYPE = 'medchain-keystore';
export const KEYSTORE_VERSION = 1;

export interface ScryptParameters {
  /** CPU and memory cost, a power of two. Memory used is 128 * N * r bytes. */
  N: number;
  r: number;
  p: number;
}

/** 2^15 costs 32 MiB and about a tenth of a second: fine for a CLI and a browser tab. */
export const SCRYPT_DEFAULTS: ScryptParameters = { N: 2 ** 15, r: 8, p: 1 };

/** Upper bounds checked before deriving, so a hostile file cannot exhaust memory. */
const SCRYPT_LIMITS = { logNMax: 20, rMax: 32, pMax: 16, memoryBytesMax: 1024 ** 3 } as const;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const KEY_BYTES = 32;
const SECRET_BYTES = 64;

export interface KeystoreCrypto {
  kdf: 'scrypt';
  kdfParams: ScryptParameters & { salt: string; dkLen: number };
  cipher: 'aes-256-gcm';
  iv: string;
  /** AES-GCM output over seed ‖ X25519 secret (64 bytes), tag appended. */
  ciphertext: string;
}

export interface KeystorePlaintext {
  signingSeed: string;
  encryptionSecretKey: string;
}

export interface KeystoreFile {
  type: typeof KEYSTORE_TYPE;
  version: typeof KEYSTORE_VERSION;
  label: string;
  /** ISO 8601, supplied by the caller: the SDK never reads the clock itself. */
  createdAt: string;
  publicKeys: PublicKeysHex;
  /** Null only for a file written on purpose without encryption; then `plaintext` is set. */
  crypto: KeystoreCrypto | null;
  plaintext?: KeystorePlaintext;
}

export interface EncryptKeystoreOptions {
  passphrase: string;
  label: string;
  createdAt: Date;
  scrypt?: ScryptParameters;
}

export async function encryptKeystore(
  keys: ParticipantKeys,
  options: EncryptKeystoreOptions,
): Promise<KeystoreFile> {
  const scrypt = options.scrypt ?? SCRYPT_DEFAULTS;
  checkScrypt(scrypt);
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const file: KeystoreFile = {
    type: KEYSTORE_TYPE,
    version: KEYSTORE_VERSION,
    label: options.label,
    createdAt: options.createdAt.toISOString(),
    publicKeys: publicKeysHex(keys),
    crypto: null,
  };
  const key = await deriveKey(options.passphrase, salt, scrypt);
  const secrets = concatBytes(keys.signing.seed, keys.encryption.secretKey);
  const ciphertext = await aesGcm('encrypt', key, iv, secrets, associatedData(file));
  file.crypto = {
    kdf: 'scrypt',
    kdfParams: { ...scrypt, salt: toHex(salt), dkLen: KEY_BYTES },
    cipher: 'aes-256-gcm',
    iv: toHex(iv),
    ciphertext: toHex(ciphertext),
  };
  return file;
}

/** For throwaway test networks only: the CLI refuses to write this unless told twice. */
export function plaintextKeystore(
  keys: ParticipantKeys,
  options: { label: string; createdAt: Date },
): KeystoreFile {
  return {
    type: KEYSTORE_TYPE,
    version: KEYSTORE_VERSION,
    label: options.label,
    createdAt: options.createdAt.toISOString(),
    publicKeys: publicKeysHex(keys),
    crypto: null,
    plaintext: {
      signingSeed: toHex(keys.signing.seed),
      encryptionSecretKey: toHex(keys.encryption.secretKey),
    },
  };
}

/** Opens a keystore. The passphrase is ignored for a plaintext file. */
export async function decryptKeystore(
  file: KeystoreFile,
  passphrase: string,
): Promise<ParticipantKeys> {
  let secrets: Bytes;
  if (file.crypto === null) {
    const plaintext = file.plaintext;
    if (plaintext === undefined) {
      throw new KeystoreError('malformed_keystore', 'keystore has neither crypto nor plaintext');
    }
    secrets = concatBytes(fromHex(plaintext.signingSeed), fromHex(plaintext.encryptionSecretKey));
  } else {
    const { kdfParams } = file.crypto;
    checkScrypt(kdfParams);
    const key = await deriveKey(passphrase, fromHex(kdfParams.salt), kdfParams);
    const sealed = fromHex(file.crypto.ciphertext);
    secrets = await openSecrets(key, fromHex(file.crypto.iv), sealed, associatedData(file));
  }
  return keysFromSecrets(secrets, file.publicKeys);
}

async function openSecrets(key: Bytes, iv: Bytes, sealed: Bytes, aad: Bytes): Promise<Bytes> {
  try {
    return await aesGcm('decrypt', key, iv, sealed, aad);
  } catch {
    // GCM cannot tell a wrong passphrase from an edited file; the first is far more common.
    throw new KeystoreError(
      'wrong_passphrase',
      'wrong passphrase (or the keystore file was modified)',
    );
  }
}

function keysFromSecrets(secrets: Bytes, expected: PublicKeysHex): ParticipantKeys {
  if (secrets.length !== SECRET_BYTES) {
    throw new KeystoreError('malformed_keystore', 'keystore secrets have the wrong length');
  }
  const keys: ParticipantKeys = {
    signing: signingKeyPairFromSeed(secrets.slice(0, 32)),
    encryption: encryptionKeyPairFromSecret(secrets.slice(32, 64)),
  };
  const actual = publicKeysHex(keys);
  if (actual.signing !== expected.signing || actual.encryption !== expected.encryption) {
    throw new KeystoreError('key_mismatch', 'the public keys in the file do not match its secrets');
  }
  return keys;
}

/** The header fields an attacker must not change without the passphrase. */
function associatedData(file: KeystoreFile): Bytes {
  return canonicalBytes({ type: file.type, version: file.version, publicKeys: file.publicKeys });
}

function checkScrypt(params: ScryptParameters): void {
  const { N, r, p } = params;
  const logN = Math.log2(N);
  const valid =
    Number.isInteger(logN) &&
    logN >= 1 &&
    logN <= SCRYPT_LIMITS.logNMax &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= SCRYPT_LIMITS.rMax &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= SCRYPT_LIMITS.pMax &&
    128 * N * r <= SCRYPT_LIMITS.memoryBytesMax;
  if (!valid) {
    throw new KeystoreError(
      'unsafe_parameters',
      `scrypt parameters out of range: N=${N} r=${r} p=${p}`,
    );
  }
}

async function deriveKey(
  passphrase: string,
  salt: Bytes,
  params: ScryptParameters,
): Promise<Bytes> {
  // NFKC so that the same passphrase typed on two keyboards derives the same key.
  const password = utf8(passphrase.normalize('NFKC'));
  return scryptAsync(password, salt, {
    N: params.N,
    r: params.r,
    p: params.p,
    dkLen: KEY_BYTES,
    maxmem: SCRYPT_LIMITS.memoryBytesMax + 4096,
  });
}

async function aesGcm(
  direction: 'encrypt' | 'decrypt',
  keyBytes: Bytes,
  iv: Bytes,
  data: Bytes,
  aad: Bytes,
): Promise<Bytes> {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', own(keyBytes), 'AES-GCM', false, [direction]);
  const algorithm = { name: 'AES-GCM', iv: own(iv), additionalData: own(aad), tagLength: 128 };
  const out =
    direction === 'encrypt'
      ? await subtle.encrypt(algorithm, key, own(data))
      : await subtle.decrypt(algorithm, key, own(data));
  return new Uint8Array(out);
}

/** WebCrypto wants bytes backed by a plain ArrayBuffer; a copy guarantees that. */
function own(bytes: Bytes): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/** Parses and checks the shape of a keystore read from disk or an upload. */
export function parseKeystore(text: string): KeystoreFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KeystoreError('malformed_keystore', 'keystore is not valid JSON');
  }
  return decodeKeystore(value);
}

export function decodeKeystore(value: unknown): KeystoreFile {
  const bad = (why: string): KeystoreError => new KeystoreError('malformed_keystore', why);
  if (!isPlainObject(value) || value.type !== KEYSTORE_TYPE) {
    throw bad(`not a ${KEYSTORE_TYPE} file`);
  }
  if (value.version !== KEYSTORE_VERSION) {
    throw new KeystoreError(
      'unsupported_version',
      `keystore version ${String(value.version)} is not supported`,
    );
  }
  const { label, createdAt, publicKeys } = value;
  if (typeof label !== 'string' || typeof createdAt !== 'string') {
    throw bad('label and createdAt must be strings');
  }
  if (!isPlainObject(publicKeys) || !isKey(publicKeys.signing) || !isKey(publicKeys.encryption)) {
    throw bad('publicKeys must hold 32-byte hex signing and encryption keys');
  }
  const file: KeystoreFile = {
    type: KEYSTORE_TYPE,
    version: KEYSTORE_VERSION,
    label,
    createdAt,
    publicKeys: { signing: publicKeys.signing, encryption: publicKeys.encryption },
    crypto: value.crypto === null ? null : decodeCrypto(value.crypto),
  };
  if (file.crypto === null) {
    file.plaintext = decodePlaintext(value.plaintext);
  }
  return file;
}

function decodeCrypto(value: unknown): KeystoreCrypto {
  const bad = new KeystoreError('malformed_keystore', 'keystore crypto section is malformed');
  if (!isPlainObject(value) || value.kdf !== 'scrypt' || value.cipher !== 'aes-256-gcm') {
    throw bad;
  }
  const params = value.kdfParams;
  if (!isPlainObject(params) || typeof params.salt !== 'string' || !isHex(params.salt)) {
    throw bad;
  }
  const { N, r, p, dkLen } = params;
  if (
    typeof N !== 'number' ||
    typeof r !== 'number' ||
    typeof p !== 'number' ||
    dkLen !== KEY_BYTES
  ) {
    throw bad;
  }
  const { iv, ciphertext } = value;
  if (typeof iv !== 'string' || !isHex(iv, IV_BYTES)) {
    throw bad;
  }
  if (typeof ciphertext !== 'string' || !isHex(ciphertext, SECRET_BYTES + 16)) {
    throw bad;
  }
  return {
    kdf: 'scrypt',
    kdfParams: { N, r, p, dkLen, salt: params.salt },
    cipher: 'aes-256-gcm',
    iv,
    ciphertext,
  };
}

function decodePlaintext(value: unknown): KeystorePlaintext {
  if (!isPlainObject(value) || !isKey(value.signingSeed) || !isKey(value.encryptionSecretKey)) {
    throw new KeystoreError('malformed_keystore', 'keystore has no crypto and no valid plaintext');
  }
  return { signingSeed: value.signingSeed, encryptionSecretKey: value.encryptionSecretKey };
}

function isKey(value: unknown): value is string {
  return typeof value === 'string' && isHex(value, 32);
}
