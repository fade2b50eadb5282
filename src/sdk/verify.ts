/**
 * Offline verification: check what a node answered against a block header and its commit
 * certificate, trusting only the genesis document (or a validator set the caller trusts).
 * A node can lie about anything it sends; these checks make a lie fail instead of being
 * believed. See docs/spec/block.md, "Verifying a transaction offline" and "Verifying state".
 *
 * Limitation: with only genesis, a proof verifies while the genesis validator set is still
 * the one in force. Once governance has changed the set, pass the trusted current set as
 * `validators`; following the set from header to header (a light client) is future work.
 *
 * The verify functions are pure and total: malformed input yields `{ ok: false }` naming
 * the step that failed, never an exception, because proofs come from untrusted peers.
 */
import { createEngine } from '../protocol/contracts/engine/create-engine.js';
import { fromHex, isHex } from '../protocol/core/bytes.js';
import { canonicalBytes, type JsonValue } from '../protocol/core/canonical.js';
import { type Crypto, pureCrypto } from '../protocol/core/crypto.js';
import type { Hash } from '../protocol/core/hash.js';
import { hashLeaf, type InclusionProof, verifyInclusion } from '../protocol/core/merkle.js';
import { decodeGenesis } from '../protocol/genesis/decode.js';
import { genesisHash } from '../protocol/genesis/hash.js';
import type { Genesis } from '../protocol/genesis/types.js';
import {
  type BlockHeader,
  blockHash,
  type CommitCertificate,
  type Receipt,
} from '../protocol/ledger/block.js';
import { verifyCommitCertificate } from '../protocol/ledger/commit.js';
import {
  decodeTransaction,
  isNonNegativeInteger,
  isPlainObject,
  transactionHash,
  transactionLeaf,
  verifyTransactionSignature,
} from '../protocol/ledger/transaction.js';
import { applyWrites } from '../protocol/state/apply-writes.js';
import type { StateProof, StateWrite } from '../protocol/state/types.js';
import { verifyStateProof as verifyStateTreeProof } from '../protocol/state/verify-state-proof.js';
import type { QueryResponse, TransactionProof, ValidatorInfo } from './api-types.js';

export { genesisHash };

export interface VerifyOptions {
  /** The genesis document the caller trusts (parsed genesis.json). */
  genesis: Genesis;
  /** Defaults to the pure implementation, which runs in browsers. */
  crypto?: Crypto;
  /**
   * The validator set the caller trusts for the proof's height. Defaults to the genesis
   * set; required once governance has changed it (see the file comment).
   */
  validators?: readonly ValidatorInfo[];
}

export interface StateVerifyOptions extends VerifyOptions {
  /**
   * The state key the caller asked about. A proof shows what one key holds; without this
   * a node could answer a query with another key's genuine proof, so callers that know
   * the key a query reads (e.g. `identity/member/<id>`) should pass it.
   */
  expectedKey?: string;
  /**
   * State root after genesis (hex). A height-0 answer has no header or certificate, so it
   * verifies only against this root, which the caller computes from the genesis document
   * with genesisStateRoot() or takes from a source it trusts; without it such answers fail.
   */
  genesisStateRoot?: string;
}

/** The check that failed, in the order they run. */
export type VerificationStep =
  | 'input'
  | 'genesis'
  | 'validators'
  | 'transaction'
  | 'hash'
  | 'signature'
  | 'receipt'
  | 'transactionProof'
  | 'receiptProof'
  | 'header'
  | 'blockHash'
  | 'commit'
  | 'key'
  | 'stateProof';

export interface VerificationFailure {
  ok: false;
  step: VerificationStep;
  reason: string;
}

/** Who finalized the block: signers and power out of the trusted set. */
export interface CommitSummary {
  round: number;
  signers: number;
  validators: number;
  signedPower: number;
  totalPower: number;
}

export type TransactionVerification =
  | {
      ok: true;
      hash: string;
      height: number;
      index: number;
      blockHash: string;
      header: BlockHeader;
      receipt: Receipt;
      commit: CommitSummary;
    }
  | VerificationFailure;

export type StateVerification =
  | {
      ok: true;
      height: number;
      key: string;
      /** The proven value; null means the key is proven absent. */
      value: JsonValue | null;
      stateRoot: string;
      /** For height 0, the genesis hash. */
      blockHash: string;
      /** Null for a height-0 answer, which the genesis state root vouches for. */
      commit: CommitSummary | null;
    }
  | VerificationFailure;

/** A state answer as the node sends it: at height 0 there is no header or certificate. */
export type StateAnswer =
  | QueryResponse
  | (Omit<QueryResponse, 'header' | 'commit'> & { header: null; commit: null });

class StepFailure extends Error {
  constructor(
    readonly step: VerificationStep,
    reason: string,
  ) {
    super(reason);
  }
}

function check(condition: boolean, step: VerificationStep, reason: string): asserts condition {
  if (!condition) {
    throw new StepFailure(step, reason);
  }
}

/** Runs a verification, turning any failure (or an unexpected throw) into a result. */
function guarded<T>(run: () => T): T | VerificationFailure {
  try {
    return run();
  } catch (error) {
    if (error instanceof StepFailure) {
      return { ok: false, step: error.step, reason: error.message };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, step: 'input', reason: `malformed input: ${message}` };
  }
}

/** The validators of a genesis document: each organization's validatorKey, power 1 each. */
export function genesisValidators(genesis: Genesis): ValidatorInfo[] {
  const validators: ValidatorInfo[] = [];
  for (const organization of genesis.organizations) {
    if (organization.validatorKey !== undefined) {
      validators.push({
        publicKey: organization.validatorKey,
        organization: organization.id,
        power: 1,
      });
    }
  }
  return validators.sort((a, b) => (a.publicKey < b.publicKey ? -1 : 1));
}

/**
 * The state root after genesis, computed by executing the genesis document with this
 * release's contracts: what a height-0 answer is checked against. A node running other
 * contracts computes another root, so a mismatch fails verification, never passes it.
 * Throws a GenesisError for an invalid document (the document is the caller's own input).
 */
export function genesisStateRoot(genesis: Genesis, crypto: Crypto = pureCrypto): string {
  const writes: StateWrite[] = [];
  for (const [key, value] of createEngine(crypto).genesisWrites(genesis)) {
    writes.push({ key, value });
  }
  // Version 0 builds on the empty tree, so the node store is never read.
  const empty = { getNode: () => undefined };
  return applyWrites(crypto, empty, { version: 0, previousVersion: null, writes }).root;
}

interface Trust {
  crypto: Crypto;
  genesis: Genesis;
  validators: readonly ValidatorInfo[];
}

function trustFrom(options: VerifyOptions): Trust {
  check(isPlainObject(options), 'input', 'options must be an object');
  const crypto = options.crypto ?? pureCrypto;
  const decoded = decodeGenesis(options.genesis);
  check(decoded.ok, 'genesis', decoded.ok ? '' : `invalid genesis: ${decoded.message}`);
  const validators = options.validators ?? genesisValidators(decoded.value);
  check(Array.isArray(validators) && validators.length > 0, 'validators', 'no validators');
  for (const validator of validators) {
    const valid =
      isPlainObject(validator) &&
      typeof validator.publicKey === 'string' &&
      isHex(validator.publicKey, 32) &&
      typeof validator.power === 'number' &&
      Number.isSafeInteger(validator.power) &&
      validator.power > 0;
    check(valid, 'validators', 'a validator needs a 32-byte hex key and a positive power');
  }
  return { crypto, genesis: decoded.value, validators };
}

const HEADER_STRINGS = [
  'chainId',
  'previousHash',
  'transactionsRoot',
  'resultsRoot',
  'stateRoot',
  'proposer',
] as const;
const HEADER_NUMBERS = ['height', 'time', 'transactionCount'] as const;

function checkHeader(value: unknown): asserts value is BlockHeader {
  check(isPlainObject(value), 'header', 'header must be an object');
  for (const field of HEADER_STRINGS) {
    check(typeof value[field] === 'string', 'header', `header.${field} must be a string`);
  }
  for (const field of HEADER_NUMBERS) {
    check(Number.isSafeInteger(value[field]), 'header', `header.${field} must be an integer`);
  }
}

/**
 * The header hashes to `claimedHash` and the certificate finalizes exactly that block of
 * this chain at this height, signed by more than two thirds of the trusted validators.
 */
function checkFinality(
  trust: Trust,
  block: { header: BlockHeader; claimedHash: unknown; commit: unknown; height: unknown },
): CommitSummary {
  const { header, claimedHash, commit, height } = block;
  check(header.chainId === trust.genesis.chainId, 'header', 'header is for another chain');
  check(header.height === height && header.height >= 1, 'header', 'header height mismatch');
  const hash = blockHash(trust.crypto, header);
  check(hash === claimedHash, 'blockHash', 'the header does not hash to blockHash');
  checkCommitShape(commit);
  check(commit.height === header.height, 'commit', 'certificate is for another height');
  check(commit.blockHash === hash, 'commit', 'certificate is for another block');
  const result = verifyCommitCertificate(trust.crypto, {
    chainId: trust.genesis.chainId,
    certificate: commit,
    validators: trust.validators,
  });
  check(result.ok, 'commit', result.ok ? '' : result.reason);
  const totalPower = trust.validators.reduce((sum, validator) => sum + validator.power, 0);
  return {
    round: commit.round,
    signers: commit.signatures.length,
    validators: trust.validators.length,
    signedPower: result.power,
    totalPower,
  };
}

function checkCommitShape(value: unknown): asserts value is CommitCertificate {
  check(isPlainObject(value), 'commit', 'commit certificate must be an object');
  const { height, round, blockHash: hash, signatures } = value;
  check(Number.isSafeInteger(height) && Number.isSafeInteger(round), 'commit', 'bad height');
  check(typeof hash === 'string' && Array.isArray(signatures), 'commit', 'malformed certificate');
  for (const entry of signatures as unknown[]) {
    const valid =
      isPlainObject(entry) &&
      typeof entry.validator === 'string' &&
      typeof entry.signature === 'string';
    check(valid, 'commit', 'a certificate signature must be { validator, signature }');
  }
}

function checkInclusion(
  crypto: Crypto,
  leaf: { data: Uint8Array; proof: unknown; root: string; index: number; size: number },
  step: 'transactionProof' | 'receiptProof',
): void {
  const { data, proof, root, index, size } = leaf;
  check(isPlainObject(proof), step, `${step} must be an object`);
  check(proof.leafIndex === index, step, `${step}.leafIndex is not the transaction's index`);
  // The hashes do not commit to the tree size; the signed header's count does.
  check(proof.treeSize === size, step, `${step}.treeSize is not header.transactionCount`);
  check(isHex(root, 32), 'header', 'header roots must be 32-byte hex');
  const included = verifyInclusion(crypto, {
    leafHash: hashLeaf(crypto, data),
    proof: proof as unknown as InclusionProof,
    root: fromHex(root),
  });
  check(included, step, `${step} does not lead to the root in the header`);
}

/**
 * Verifies GET /v1/tx/{hash}/proof: the transaction and its receipt are in a block that
 * the trusted validators finalized.
 */
export function verifyTransactionProof(
  proof: TransactionProof,
  options: VerifyOptions,
): TransactionVerification {
  return guarded(() => {
    const trust = trustFrom(options);
    check(isPlainObject(proof), 'input', 'the proof must be an object');
    const { hash, signature } = checkTransaction(trust, proof.transaction, proof.hash);
    const receipt = proof.receipt as unknown;
    check(isPlainObject(receipt), 'receipt', 'receipt must be an object');
    check(receipt.transactionHash === hash, 'receipt', 'the receipt is for another transaction');
    checkHeader(proof.header);
    const { header, index } = proof;
    check(Number.isSafeInteger(index) && index >= 0, 'input', 'index must be an integer');
    checkInclusion(
      trust.crypto,
      {
        data: transactionLeaf(hash, signature),
        proof: proof.transactionProof,
        root: header.transactionsRoot,
        index,
        size: header.transactionCount,
      },
      'transactionProof',
    );
    checkInclusion(
      trust.crypto,
      {
        data: canonicalBytes(receipt),
        proof: proof.receiptProof,
        root: header.resultsRoot,
        index,
        size: header.transactionCount,
      },
      'receiptProof',
    );
    const commit = checkFinality(trust, {
      header,
      claimedHash: proof.blockHash,
      commit: proof.commit,
      height: proof.height,
    });
    const { blockHash } = proof;
    return {
      ok: true as const,
      hash,
      height: header.height,
      index,
      blockHash,
      header,
      receipt: proof.receipt,
      commit,
    };
  });
}

/** Strict decoding, the recomputed hash, the chain and the signature. */
function checkTransaction(
  trust: Trust,
  value: unknown,
  claimedHash: unknown,
): { hash: Hash; signature: string } {
  const decoded = decodeTransaction(value);
  check(decoded.ok, 'transaction', decoded.ok ? '' : `${decoded.field}: ${decoded.message}`);
  const transaction = decoded.value;
  const hash = transactionHash(trust.crypto, transaction);
  check(hash === claimedHash, 'hash', 'the transaction does not hash to the claimed hash');
  const sameChain = transaction.chainId === trust.genesis.chainId;
  check(sameChain, 'transaction', 'the transaction is for another chain');
  const signed = verifyTransactionSignature(trust.crypto, transaction);
  check(signed, 'signature', 'the transaction signature does not verify');
  return { hash, signature: transaction.signature };
}

/**
 * Verifies GET /v1/state/{module}/{query}: the key has the answered value (or, for null,
 * none) under the state root of a finalized block, or of genesis for a height-0 answer
 * when `genesisStateRoot` is given.
 */
export function verifyStateProof(
  answer: StateAnswer,
  options: StateVerifyOptions,
): StateVerification {
  return guarded(() => {
    const trust = trustFrom(options);
    const input = answer as unknown;
    check(isPlainObject(input), 'input', 'the answer must be an object');
    const { key, value, height } = input;
    check(typeof key === 'string', 'input', 'key must be a string');
    const expected = options.expectedKey;
    check(expected === undefined || key === expected, 'key', `answer is for key ${key}`);
    check(value !== undefined, 'input', 'value must be present (null for none)');
    check(isNonNegativeInteger(height), 'input', 'height must be a non-negative integer');
    const root = height === 0 ? genesisRoot(trust, input, options) : blockRoot(trust, input);
    const bytes = value === null ? null : canonicalBytes(value);
    const proven = verifyStateTreeProof(trust.crypto, {
      root: root.stateRoot,
      key,
      value: bytes,
      proof: input.proof as StateProof,
    });
    const claim = value === null ? 'absence of' : 'value of';
    check(proven, 'stateProof', `the proof does not show the ${claim} ${key} under the state root`);
    return { ok: true as const, height, key, value: value as JsonValue | null, ...root };
  });
}

type ProvenRoot = { stateRoot: string; blockHash: string; commit: CommitSummary | null };

/** Height 0 has no certificate: only a genesis state root the caller trusts vouches for it. */
function genesisRoot(
  trust: Trust,
  input: Record<string, unknown>,
  options: StateVerifyOptions,
): ProvenRoot {
  const trusted = options.genesisStateRoot;
  check(trusted !== undefined, 'header', 'a height-0 answer needs the genesis state root');
  const hash = genesisHash(trust.crypto, trust.genesis);
  check(input.blockHash === hash, 'blockHash', 'blockHash is not the genesis hash');
  return { stateRoot: trusted, blockHash: hash, commit: null };
}

function blockRoot(trust: Trust, input: Record<string, unknown>): ProvenRoot {
  const { header, blockHash: claimedHash, commit, height } = input;
  checkHeader(header);
  const summary = checkFinality(trust, { header, claimedHash, commit, height });
  return { stateRoot: header.stateRoot, blockHash: claimedHash as string, commit: summary };
}
