/**
 * In-memory ChainStore: the twin of the SQLite adapter for tests and the simulator. It keeps
 * the same rules (heights in order, genesis once) and copies nothing it does not need to.
 */
import type { Bytes } from '../../protocol/core/bytes.js';
import {
  type BlockWriteBatch,
  type ChainStore,
  type GenesisWriteBatch,
  StorageError,
  type StoredBlock,
  type StoredTransaction,
} from './chain-store.js';

export class MemoryChainStore implements ChainStore {
  private genesisRecord:
    | { json: string; hash: string; chainId: string; stateRoot: string }
    | undefined;
  private readonly blocks: StoredBlock[] = [];
  private readonly transactionsByHeight = new Map<number, StoredTransaction[]>();
  private readonly transactionsByHash = new Map<string, StoredTransaction>();
  private readonly nodes = new Map<string, Bytes>();

  latestHeight(): number {
    if (this.genesisRecord === undefined) {
      return -1;
    }
    return this.blocks.length;
  }

  genesis(): { json: string; hash: string; chainId: string; stateRoot: string } | undefined {
    return this.genesisRecord;
  }

  block(height: number): StoredBlock | undefined {
    return this.blocks[height - 1];
  }

  blockTransactions(height: number): StoredTransaction[] {
    return this.transactionsByHeight.get(height) ?? [];
  }

  transaction(hash: string): StoredTransaction | undefined {
    return this.transactionsByHash.get(hash);
  }

  hasTransaction(hash: string): boolean {
    return this.transactionsByHash.has(hash);
  }

  treeNode(id: string): Bytes | undefined {
    return this.nodes.get(id);
  }

  saveGenesis(batch: GenesisWriteBatch): void {
    if (this.genesisRecord !== undefined) {
      throw new StorageError('genesis_exists', 'this store already holds a genesis');
    }
    this.addNodes(batch.treeNodes);
    const { genesisJson: json, genesisHash: hash, chainId, stateRoot } = batch;
    this.genesisRecord = { json, hash, chainId, stateRoot };
  }

  commitBlock(batch: BlockWriteBatch): void {
    if (this.genesisRecord === undefined) {
      throw new StorageError('no_genesis', 'commit before genesis');
    }
    const expected = this.blocks.length + 1;
    if (batch.block.height !== expected) {
      throw new StorageError(
        'height_out_of_order',
        `expected height ${expected}, got ${batch.block.height}`,
      );
    }
    const stored = batch.transactions.map(
      (entry, index): StoredTransaction => ({ ...entry, height: expected, index }),
    );
    this.blocks.push(batch.block);
    this.transactionsByHeight.set(expected, stored);
    for (const entry of stored) {
      this.transactionsByHash.set(entry.hash, entry);
    }
    this.addNodes(batch.treeNodes);
  }

  close(): void {}

  private addNodes(treeNodes: ReadonlyArray<readonly [string, Bytes]>): void {
    for (const [id, node] of treeNodes) {
      this.nodes.set(id, node);
    }
  }
}
