/**
 * Commit certificates: the signatures that make a block final. With one validator the
 * certificate holds its single signature; the BFT engine fills it with precommits of more
 * than two thirds of voting power. Verification lives in the protocol so clients share it.
 */
import { toHex } from '../../protocol/core/bytes.js';
import type { Signer } from '../../protocol/core/crypto.js';
import { domainBytes } from '../../protocol/core/hash.js';
import type { CommitCertificate, CommitVote } from '../../protocol/ledger/block.js';

export function signCommit(signer: Signer, vote: CommitVote): CommitCertificate {
  const signature = toHex(signer.sign(domainBytes('commit', vote)));
  return {
    height: vote.height,
    round: vote.round,
    blockHash: vote.blockHash,
    signatures: [{ validator: toHex(signer.publicKey), signature }],
  };
}

export function publicKeyHex(signer: Signer): string {
  return toHex(signer.publicKey);
}
