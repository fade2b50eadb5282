/**
 * The state checker: independent oracles over every commit, restart and piece of evidence.
 * Invariants are numbered as in docs/spec/consensus.md; a violation throws SimFailure with
 * that number, which the runner reports with the seed.
 *   S1 agreement       no two honest replicas commit different blocks at one height
 *   S2 validity        an agreed block passes a reference application's validation
 *   S3 certificate     every commit carries a certificate that verifies for its height
 *   S4 no replay       no transaction is applied twice on any honest replica
 *   S5 state roots     honest replicas reach the same state root at each height
 *   S6 durability      nothing committed is ever lost across a crash and restart
 *   S7 no equivocation no honest validator is ever caught signing two things
 */

import type { Equivocation } from '../../protocol/consensus/types.js';
import type { Validator } from '../../protocol/contracts/engine/types.js';
import type { Crypto } from '../../protocol/core/crypto.js';
import { verifyCommitCertificate } from '../../protocol/ledger/commit.js';
import { SimApplication } from './app.js';
import type { SimReplica, StoredBlock } from './replica.js';

export class SimFailure extends Error {
  override name = 'SimFailure';
  constructor(
    readonly invariant: string,
    message: string,
  ) {
    super(`${invariant}: ${message}`);
  }
}

export class StateChecker {
  readonly agreed = new Map<number, { hash: string; stateRoot: string; by: number }>();
  private readonly reference: SimApplication;
  private readonly committed = new Map<number, number>();
  commits = 0;

  constructor(
    private readonly params: {
      crypto: Crypto;
      chainId: string;
      directory: readonly string[];
      genesis: readonly Validator[];
      isHonestKey: (key: string) => boolean;
    },
  ) {
    this.reference = new SimApplication(params.crypto, params.directory, params.genesis);
  }

  get height(): number {
    return this.reference.height;
  }

  /** Called before the replica applies the block. */
  onCommit(replica: SimReplica, stored: StoredBlock, validators: Validator[]): void {
    if (!replica.honest) {
      return;
    }
    this.commits++;
    const { height, hash, block, certificate } = stored;
    const where = `node ${replica.index} at height ${height}`;
    const agreed = this.agreed.get(height);
    if (agreed !== undefined && agreed.hash !== hash) {
      throw new SimFailure('S1', `${where} committed ${hash}, node ${agreed.by} ${agreed.hash}`);
    }
    const check = verifyCommitCertificate(this.params.crypto, {
      chainId: this.params.chainId,
      certificate,
      validators,
    });
    if (!check.ok || certificate.blockHash !== hash || certificate.height !== height) {
      throw new SimFailure(
        'S3',
        `${where}: certificate does not verify (${JSON.stringify(check)})`,
      );
    }
    for (const id of block.transactions) {
      if (replica.app.applied.has(id)) {
        throw new SimFailure('S4', `${where}: transaction ${id} applied twice`);
      }
    }
    if (agreed === undefined) {
      this.agree(replica, stored);
    } else if (agreed.stateRoot !== block.stateRoot) {
      throw new SimFailure(
        'S5',
        `${where}: state root ${block.stateRoot}, agreed ${agreed.stateRoot}`,
      );
    }
    this.committed.set(replica.index, Math.max(height, this.committed.get(replica.index) ?? 0));
  }

  private agree(replica: SimReplica, stored: StoredBlock): void {
    const { height, hash, block } = stored;
    if (this.reference.height !== height - 1) {
      throw new SimFailure('S1', `height ${height} agreed before height ${height - 1}`);
    }
    const reason = this.reference.validate(block as never);
    if (reason !== undefined) {
      throw new SimFailure(
        'S2',
        `node ${replica.index} committed an invalid block at ${height}: ${reason}`,
      );
    }
    this.reference.apply(block, hash);
    this.agreed.set(height, { hash, stateRoot: this.reference.stateRoot, by: replica.index });
  }

  onRestart(replica: SimReplica): void {
    const before = this.committed.get(replica.index) ?? 0;
    if (replica.store.length < before) {
      throw new SimFailure(
        'S6',
        `node ${replica.index} lost blocks: ${replica.store.length} < ${before}`,
      );
    }
    for (const stored of replica.store) {
      const agreed = this.agreed.get(stored.height);
      if (replica.honest && agreed !== undefined && agreed.hash !== stored.hash) {
        throw new SimFailure(
          'S6',
          `node ${replica.index} reloaded a different block at ${stored.height}`,
        );
      }
    }
  }

  onEvidence(replica: SimReplica, evidence: Equivocation): void {
    if (this.params.isHonestKey(evidence.validator)) {
      const what = `${evidence.kind} at ${evidence.height}/${evidence.round}`;
      throw new SimFailure(
        'S7',
        `honest validator ${evidence.validator.slice(0, 8)} equivocated: ${what} ` +
          `(seen by node ${replica.index})`,
      );
    }
  }
}
