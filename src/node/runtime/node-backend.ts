/**
 * The ApiBackend over a MedchainNode: reads from storage, and proofs — Merkle inclusion for
 * transactions and receipts, state proofs for queries — each tied to a header and its
 * commit certificate so a client can check the answer without trusting this node.
 */
import { canonicalBytes, type JsonValue } from '../../protocol/core/canonical.js';
import { buildMerkleTree, hashLeaves, type MerkleTree } from '../../protocol/core/merkle.js';
import { transactionLeaf } from '../../protocol/ledger/transaction.js';
import type {
  ApiBackend,
  BlockView,
  ChainListener,
  NodeStatus,
  StateAnswer,
  TransactionProof,
} from '../api/backend.js';
import { type Problem, problem } from '../api/problem.js';
import type { StoredTransaction } from '../storage/chain-store.js';
import type { MedchainNode } from './medchain-node.js';

const VERSION = '0.1.0';
/** Blocks replayed to one event subscriber before it follows live blocks. */
const REPLAY_BLOCKS_MAX = 10_000;
/** Blocks whose Merkle trees are kept for proof requests. */
const PROOF_TREES_CACHED = 8;

export function nodeBackend(node: MedchainNode): ApiBackend {
  const { store, crypto, engine } = node.deps;
  const genesis = store.genesis()!;
  const genesisTime = (JSON.parse(genesis.json) as { genesisTime: number }).genesisTime;

  const status = (): NodeStatus => {
    const height = store.latestHeight();
    const last = height >= 1 ? store.block(height) : undefined;
    return {
      chainId: genesis.chainId,
      genesisHash: genesis.hash,
      height,
      lastBlockHash: last?.hash ?? genesis.hash,
      lastBlockTime: last?.header.time ?? genesisTime,
      validators: engine.validators(node.reader),
      mempool: { size: node.mempool.size, capacity: node.mempool.capacity },
      version: VERSION,
    };
  };

  // Clients ask for proofs of fresh transactions, so the trees of the last few blocks are
  // kept: rebuilding two trees of 10,000 leaves per request costs tens of milliseconds.
  const trees = new Map<number, { transactionTree: MerkleTree; receiptTree: MerkleTree }>();
  const blockTrees = (height: number) => {
    const cached = trees.get(height);
    if (cached !== undefined) {
      return cached;
    }
    const entries = store.blockTransactions(height);
    const built = {
      transactionTree: buildMerkleTree(
        crypto,
        hashLeaves(
          crypto,
          entries.map((entry) => transactionLeaf(entry.hash, entry.transaction.signature)),
        ),
      ),
      receiptTree: buildMerkleTree(
        crypto,
        hashLeaves(
          crypto,
          entries.map((entry) => canonicalBytes(entry.receipt)),
        ),
      ),
    };
    if (trees.size >= PROOF_TREES_CACHED) {
      trees.delete(trees.keys().next().value!);
    }
    trees.set(height, built);
    return built;
  };

  const transactionProof = (hash: string): TransactionProof | undefined => {
    const found = store.transaction(hash);
    const block = found === undefined ? undefined : store.block(found.height);
    if (found === undefined || block === undefined) {
      return undefined;
    }
    const { transactionTree, receiptTree } = blockTrees(found.height);
    return {
      hash,
      height: found.height,
      index: found.index,
      transaction: found.transaction,
      receipt: found.receipt,
      header: block.header,
      blockHash: block.hash,
      transactionProof: transactionTree.inclusionProof(found.index),
      receiptProof: receiptTree.inclusionProof(found.index),
      commit: block.commit,
    };
  };

  const block = (which: number | 'latest'): BlockView | undefined => {
    const height = which === 'latest' ? store.latestHeight() : which;
    const stored = store.block(height);
    if (stored === undefined) {
      return undefined;
    }
    const entries = store.blockTransactions(height);
    return {
      hash: stored.hash,
      header: stored.header,
      transactions: entries.map((entry) => entry.transaction),
      receipts: entries.map((entry) => entry.receipt),
      commit: stored.commit,
    };
  };

  const query = (
    module: string,
    name: string,
    params: Record<string, string>,
  ): StateAnswer | Problem => {
    const answer = engine.query(node.reader, module, name, params);
    if ('error' in answer) {
      return problem(answer.error, answer.message);
    }
    const height = store.latestHeight();
    const proven = node.deps.tree.prove(height, answer.key);
    const stored = height >= 1 ? store.block(height) : undefined;
    return {
      height,
      key: answer.key,
      value: answer.value,
      proof: proven.proof,
      header: stored?.header ?? null,
      blockHash: stored?.hash ?? genesis.hash,
      commit: stored?.commit ?? null,
    };
  };

  const subscribe = (listener: ChainListener, fromHeight?: number): (() => void) => {
    if (fromHeight !== undefined) {
      replay(listener, Math.max(1, fromHeight));
    }
    return node.subscribe(listener);
  };

  const replay = (listener: ChainListener, fromHeight: number): void => {
    const last = Math.min(store.latestHeight(), fromHeight + REPLAY_BLOCKS_MAX - 1);
    for (let height = fromHeight; height <= last; height++) {
      const stored = store.block(height)!;
      const { time, transactionCount } = stored.header;
      listener.block({ height, hash: stored.hash, transactionCount, time });
      for (const entry of store.blockTransactions(height)) {
        const { code, name, events } = entry.receipt;
        listener.transaction({ hash: entry.hash, height, index: entry.index, code, name, events });
      }
    }
  };

  return {
    status,
    submit: (value) => node.submitAsync(value),
    submitMany: (values, text) => node.submitMany(values, text),
    waitForCommit: (hash, timeoutMs) => node.waitForCommit(hash, timeoutMs),
    transaction(hash): StoredTransaction | 'pending' | undefined {
      return store.transaction(hash) ?? (node.mempool.has(hash) ? 'pending' : undefined);
    },
    transactionProof,
    block,
    account(publicKey) {
      const nonceAnswer = engine.query(node.reader, 'engine', 'nonce', { signer: publicKey });
      const nonce = 'error' in nonceAnswer ? 0 : Number(nonceAnswer.value ?? 0);
      const keyAnswer = engine.query(node.reader, 'identity', 'key', { publicKey });
      const key: JsonValue | null = 'error' in keyAnswer ? null : keyAnswer.value;
      return { nonce, pendingNonce: node.mempool.pendingNonce(publicKey) ?? nonce, key };
    },
    query,
    modules: () => engine.describe(),
    subscribe,
  };
}
