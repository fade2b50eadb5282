/**
 * Checks an author's signature over a record statement: the one signature verification
 * an anchor costs. The chain id comes from engine/params so that the statement the SDK
 * signs and the one verified here are built from the same fields.
 */
import { assert } from '../../core/assert.js';
import { fromHex } from '../../core/bytes.js';
import type { Crypto } from '../../core/crypto.js';
import { ENGINE_PARAMS_KEY } from '../engine/keys.js';
import type { StateRead } from '../engine/module.js';
import { type RecordStatement, recordStatementBytes } from './statement.js';

export function chainIdOf(get: StateRead): string {
  const params = get(ENGINE_PARAMS_KEY) as { chainId?: unknown } | undefined;
  assert(typeof params?.chainId === 'string', 'records: engine/params has no chain id');
  return params.chainId;
}

export function verifyStatement(
  crypto: Crypto,
  signed: { statement: RecordStatement; signature: string; publicKey: string },
): boolean {
  return crypto.verifyEd25519(
    fromHex(signed.signature),
    recordStatementBytes(signed.statement),
    fromHex(signed.publicKey),
  );
}
