/**
 * Consensus messages: the bytes each one signs, signing and verifying, and strict decoding
 * of untrusted JSON from the network. A precommit for a block signs exactly the commit bytes
 * of ledger/commit.ts, so the precommits that decide a height are its commit certificate.
 * Every other message signs under its own domain tag, so no prevote, nil precommit or
 * proposal signature can ever be passed off as a commit signature.
 */

import type { Bytes } from '../core/bytes.js';
import { fromHex, isHex, toHex } from '../core/bytes.js';
import type { Crypto, Signer } from '../core/crypto.js';
import { domainBytes } from '../core/hash.js';
import { type DecodeResult, isPlainObject } from '../ledger/transaction.js';
import type { ConsensusMessage, Proposal, Vote, VoteType } from './types.js';

/** Rounds beyond this are refused on decode: no honest run gets near it. */
export const ROUND_MAX = 1_000_000;

export type UnsignedVote = Omit<Vote, 'signature'>;
export type UnsignedProposal = Omit<Proposal, 'signature'>;

export function voteSigningBytes(chainId: string, vote: UnsignedVote): Bytes {
  const { height, round, blockHash } = vote;
  if (vote.type === 'precommit' && blockHash !== null) {
    return domainBytes('commit', { chainId, height, round, blockHash });
  }
  return domainBytes('vote', { chainId, type: vote.type, height, round, blockHash });
}

export function proposalSigningBytes(chainId: string, proposal: UnsignedProposal): Bytes {
  const { height, round, validRound, blockHash } = proposal;
  return domainBytes('proposal', { chainId, height, round, validRound, blockHash });
}

export function signVote(
  signer: Signer,
  chainId: string,
  vote: Omit<UnsignedVote, 'validator'>,
): Vote {
  const unsigned: UnsignedVote = { ...vote, validator: toHex(signer.publicKey) };
  const signature = toHex(signer.sign(voteSigningBytes(chainId, unsigned)));
  return { ...unsigned, signature };
}

export function signProposal(
  signer: Signer,
  chainId: string,
  proposal: Omit<UnsignedProposal, 'proposer' | 'type'>,
): Proposal {
  const unsigned: UnsignedProposal = {
    type: 'proposal',
    ...proposal,
    proposer: toHex(signer.publicKey),
  };
  const signature = toHex(signer.sign(proposalSigningBytes(chainId, unsigned)));
  return { ...unsigned, signature };
}

export function signerOf(message: ConsensusMessage): string {
  return message.type === 'proposal' ? message.proposer : message.validator;
}

/** Checks the signature only; membership and proposer rights are the engine's business. */
export function verifyMessage(crypto: Crypto, chainId: string, message: ConsensusMessage): boolean {
  const bytes =
    message.type === 'proposal'
      ? proposalSigningBytes(chainId, message)
      : voteSigningBytes(chainId, message);
  return crypto.verifyEd25519(fromHex(message.signature), bytes, fromHex(signerOf(message)));
}

function fail(field: string, message: string): { ok: false; field: string; message: string } {
  return { ok: false, field, message };
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function checkCommon(value: Record<string, unknown>, key: string): string | undefined {
  if (!isCount(value.height, 1)) {
    return 'height';
  }
  if (!isCount(value.round, 0) || value.round > ROUND_MAX) {
    return 'round';
  }
  if (typeof value[key] !== 'string' || !isHex(value[key] as string, 32)) {
    return key;
  }
  if (typeof value.signature !== 'string' || !isHex(value.signature, 64)) {
    return 'signature';
  }
  return undefined;
}

const VOTE_FIELDS = ['type', 'height', 'round', 'blockHash', 'validator', 'signature'];
const PROPOSAL_FIELDS = [
  'type',
  'height',
  'round',
  'validRound',
  'block',
  'blockHash',
  'proposer',
  'signature',
];

function unknownField(value: Record<string, unknown>, allowed: string[]): string | undefined {
  return Object.keys(value).find((key) => !allowed.includes(key));
}

function decodeVote(value: Record<string, unknown>, type: VoteType): DecodeResult<Vote> {
  const extra = unknownField(value, VOTE_FIELDS);
  if (extra !== undefined) {
    return fail(extra, `unknown field "${extra}"`);
  }
  const bad = checkCommon(value, 'validator');
  if (bad !== undefined) {
    return fail(bad, `invalid ${bad}`);
  }
  const { blockHash } = value;
  if (blockHash !== null && (typeof blockHash !== 'string' || !isHex(blockHash))) {
    return fail('blockHash', 'blockHash must be lowercase hex or null');
  }
  const vote: Vote = {
    type,
    height: value.height as number,
    round: value.round as number,
    blockHash: blockHash as string | null,
    validator: value.validator as string,
    signature: value.signature as string,
  };
  return { ok: true, value: vote };
}

function decodeProposal(value: Record<string, unknown>): DecodeResult<Proposal> {
  const extra = unknownField(value, PROPOSAL_FIELDS);
  if (extra !== undefined) {
    return fail(extra, `unknown field "${extra}"`);
  }
  const bad = checkCommon(value, 'proposer');
  if (bad !== undefined) {
    return fail(bad, `invalid ${bad}`);
  }
  const { validRound, blockHash, block } = value;
  if (!isCount(validRound, -1) || validRound >= (value.round as number)) {
    return fail('validRound', 'validRound must be -1 or a round before this one');
  }
  if (typeof blockHash !== 'string' || !isHex(blockHash)) {
    return fail('blockHash', 'blockHash must be lowercase hex');
  }
  if (block === undefined) {
    return fail('block', 'a proposal carries its block');
  }
  const proposal: Proposal = {
    type: 'proposal',
    height: value.height as number,
    round: value.round as number,
    validRound,
    block: block as Proposal['block'],
    blockHash,
    proposer: value.proposer as string,
    signature: value.signature as string,
  };
  return { ok: true, value: proposal };
}

/**
 * Strict shape check of an untrusted value (parsed JSON). The block inside a proposal is
 * checked by the application (validateProposal), its hash by the engine.
 */
export function decodeConsensusMessage(value: unknown): DecodeResult<ConsensusMessage> {
  if (!isPlainObject(value)) {
    return fail('', 'a consensus message must be a JSON object');
  }
  switch (value.type) {
    case 'prevote':
    case 'precommit':
      return decodeVote(value, value.type);
    case 'proposal':
      return decodeProposal(value);
    default:
      return fail('type', 'type must be proposal, prevote or precommit');
  }
}
