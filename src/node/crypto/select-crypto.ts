/**
 * Picks the Crypto and Signer implementation by name. The node runs libsodium by default;
 * MEDCHAIN_CRYPTO=node or =noble switches (to compare, or where the native addon cannot
 * load). Every implementation gives identical results, so the choice never affects consensus.
 */
import { type Crypto, pureCrypto, type Signer, seedSigner } from '../../protocol/core/crypto.js';
import { nodeCrypto, nodeSigner } from './node-crypto.js';
import { sodiumCrypto, sodiumSigner } from './sodium-crypto.js';

export const CRYPTO_NAMES = ['sodium', 'node', 'noble'] as const;
export type CryptoName = (typeof CRYPTO_NAMES)[number];

export const CRYPTO_ENVIRONMENT_VARIABLE = 'MEDCHAIN_CRYPTO';

/** The fastest measured implementation on every machine we tried. */
export const defaultCrypto: Crypto = sodiumCrypto;

export class CryptoSelectionError extends Error {
  override name = 'CryptoSelectionError';
  readonly code = 'crypto_name_unknown';
  readonly requested: string;

  constructor(requested: string) {
    super(
      `unknown crypto implementation "${requested}"; expected one of ${CRYPTO_NAMES.join(', ')}`,
    );
    this.requested = requested;
  }
}

const IMPLEMENTATIONS: Record<CryptoName, { crypto: Crypto; signer(seed: Uint8Array): Signer }> = {
  sodium: { crypto: sodiumCrypto, signer: sodiumSigner },
  node: { crypto: nodeCrypto, signer: nodeSigner },
  noble: { crypto: pureCrypto, signer: seedSigner },
};

export function isCryptoName(name: string): name is CryptoName {
  return (CRYPTO_NAMES as readonly string[]).includes(name);
}

export function cryptoByName(name: string): Crypto {
  if (!isCryptoName(name)) {
    throw new CryptoSelectionError(name);
  }
  return IMPLEMENTATIONS[name].crypto;
}

/** A signer from a 32-byte seed through the named implementation. */
export function signerByName(name: string, seed: Uint8Array): Signer {
  if (!isCryptoName(name)) {
    throw new CryptoSelectionError(name);
  }
  return IMPLEMENTATIONS[name].signer(seed);
}

/** The implementation named by MEDCHAIN_CRYPTO, else the default; unknown names throw. */
export function cryptoFromEnvironment(environment: NodeJS.ProcessEnv = process.env): Crypto {
  const name = environment[CRYPTO_ENVIRONMENT_VARIABLE];
  if (name === undefined || name === '') {
    return defaultCrypto;
  }
  return cryptoByName(name);
}
