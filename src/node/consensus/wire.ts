/**
 * What validators send each other over the transport, one JSON packet per frame:
 *
 *   { "kind": "consensus", "message": <proposal | prevote | precommit> }
 *   { "kind": "transactions", "transactions": [<signed transaction>, ...] }   gossip
 *   { "kind": "blockRequest", "height": h }                                   catch-up
 *   { "kind": "block", "block": {header, transactions}, "certificate": {...} }
 *
 * Decoding is strict about the envelope and leaves the contents to their owners (the
 * consensus decoder, transaction admission, certificate verification). Nothing here throws
 * on bad bytes: a packet that does not decode is reported so the peer can be disconnected.
 */
import { decodeConsensusMessage } from '../../protocol/consensus/messages.js';
import type { ConsensusMessage } from '../../protocol/consensus/types.js';
import { isHex } from '../../protocol/core/bytes.js';
import type { JsonValue } from '../../protocol/core/canonical.js';
import type { CommitCertificate } from '../../protocol/ledger/block.js';
import { isPlainObject } from '../../protocol/ledger/transaction.js';

/** Transactions in one gossip packet; a peer sending more is misbehaving. */
export const GOSSIP_TRANSACTIONS_MAX = 2_000;
/** Signatures in a certificate we accept to look at: far above any validator set here. */
const CERTIFICATE_SIGNATURES_MAX = 1_000;

export type Packet =
  | { kind: 'consensus'; message: ConsensusMessage }
  | { kind: 'transactions'; transactions: unknown[] }
  | { kind: 'blockRequest'; height: number }
  | { kind: 'block'; block: JsonValue; certificate: CommitCertificate };

export type PacketDecode = { ok: true; packet: Packet } | { ok: false; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodePacket(packet: Packet): Uint8Array {
  return Buffer.from(JSON.stringify(packet), 'utf8');
}

export function decodePacket(payload: Uint8Array): PacketDecode {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(payload));
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  if (!isPlainObject(value)) {
    return { ok: false, reason: 'not_an_object' };
  }
  switch (value.kind) {
    case 'consensus': {
      const decoded = decodeConsensusMessage(value.message);
      return decoded.ok
        ? { ok: true, packet: { kind: 'consensus', message: decoded.value } }
        : { ok: false, reason: 'invalid_consensus_message' };
    }
    case 'transactions': {
      const list = value.transactions;
      if (!Array.isArray(list) || list.length > GOSSIP_TRANSACTIONS_MAX) {
        return { ok: false, reason: 'invalid_transactions' };
      }
      return { ok: true, packet: { kind: 'transactions', transactions: list } };
    }
    case 'blockRequest': {
      const height = value.height;
      if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 1) {
        return { ok: false, reason: 'invalid_block_request' };
      }
      return { ok: true, packet: { kind: 'blockRequest', height } };
    }
    case 'block':
      return decodeBlockPacket(value);
    default:
      return { ok: false, reason: 'unknown_kind' };
  }
}

function decodeBlockPacket(value: Record<string, unknown>): PacketDecode {
  const { block, certificate } = value;
  if (!isPlainObject(block) || !isCertificate(certificate)) {
    return { ok: false, reason: 'invalid_block' };
  }
  return { ok: true, packet: { kind: 'block', block: block as JsonValue, certificate } };
}

/** The shape verifyCommitCertificate needs to run without throwing. */
export function isCertificate(value: unknown): value is CommitCertificate {
  if (!isPlainObject(value)) {
    return false;
  }
  const { height, round, blockHash, signatures } = value;
  if (!Number.isSafeInteger(height) || (height as number) < 1) {
    return false;
  }
  if (!Number.isSafeInteger(round) || (round as number) < 0) {
    return false;
  }
  if (typeof blockHash !== 'string' || !isHex(blockHash, 32)) {
    return false;
  }
  if (!Array.isArray(signatures) || signatures.length > CERTIFICATE_SIGNATURES_MAX) {
    return false;
  }
  return signatures.every(
    (entry) =>
      isPlainObject(entry) &&
      typeof entry.validator === 'string' &&
      isHex(entry.validator, 32) &&
      typeof entry.signature === 'string',
  );
}
