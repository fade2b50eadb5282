/**
 * Checking a commit certificate offline: signatures from distinct known validators over the
 * commit bytes of (chainId, height, round, blockHash), adding up to more than two thirds of
 * the validator set's power.
 */
import type { Validator } from '../contracts/engine/types.js';
import { fromHex, isHex } from '../core/bytes.js';
import type { Crypto } from '../core/crypto.js';
import { domainBytes } from '../core/hash.js';
import type { CommitCertificate } from './block.js';

export type CommitCheck = { ok: true; power: number } | { ok: false; reason: string };

export function verifyCommitCertificate(
  crypto: Crypto,
  params: { chainId: string; certificate: CommitCertificate; validators: readonly Validator[] },
): CommitCheck {
  const { certificate, validators, chainId } = params;
  const powers = new Map(validators.map((validator) => [validator.publicKey, validator.power]));
  let total = 0;
  for (const validator of validators) {
    total += validator.power;
  }
  const message = domainBytes('commit', {
    chainId,
    height: certificate.height,
    round: certificate.round,
    blockHash: certificate.blockHash,
  });
  const seen = new Set<string>();
  let signed = 0;
  for (const entry of certificate.signatures) {
    const power = powers.get(entry.validator);
    if (power === undefined || seen.has(entry.validator)) {
      return {
        ok: false,
        reason: `signature from unknown or repeated validator ${entry.validator}`,
      };
    }
    if (!isHex(entry.signature, 64)) {
      return { ok: false, reason: 'malformed signature' };
    }
    const valid = crypto.verifyEd25519(fromHex(entry.signature), message, fromHex(entry.validator));
    if (!valid) {
      return { ok: false, reason: `invalid signature from validator ${entry.validator}` };
    }
    seen.add(entry.validator);
    signed += power;
  }
  // More than two thirds, in integers: 3 * signed > 2 * total.
  if (3 * signed <= 2 * total) {
    return { ok: false, reason: `signed power ${signed} of ${total} is not more than two thirds` };
  }
  return { ok: true, power: signed };
}
