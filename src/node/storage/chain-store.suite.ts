/**
 * The conformance suite every ChainStore adapter must pass. Each adapter's test file calls
 * runChainStoreSuite with a factory; `reopen` (when the adapter is durable) checks that what
 * was committed is still there after closing and opening again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8 } from '../../protocol/core/bytes.js';
import type { Receipt } from '../../protocol/ledger/block.js';
import type { Transaction } from '../../protocol/ledger/transaction.js';
import { type BlockWriteBatch, type ChainStore, StorageError } from './chain-store.js';

export interface ChainStoreFactory {
  create(): ChainStore;
  /** Closes the store and opens the same data again; undefined for volatile adapters. */
  reopen?: (store: ChainStore) => ChainStore;
}

/** Adapters may return Buffer subclasses; what matters is the bytes. */
function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  assert.ok(actual !== undefined, 'expected bytes, got undefined');
  assert.deepEqual(new Uint8Array(actual), expected);
}

const hex = (byte: number, length = 32) => byte.toString(16).padStart(2, '0').repeat(length);

function sampleTransaction(nonce: number): Transaction {
  return {
    chainId: 'suite',
    signer: hex(1),
    nonce,
    module: 'identity',
    action: 'noop',
    args: { n: nonce },
    signature: hex(2, 64),
  };
}

function receipt(hash: string, code = 0): Receipt {
  return {
    transactionHash: hash,
    code,
    name: code === 0 ? 'ok' : 'failed',
    message: '',
    events: [],
  };
}

function batch(height: number, transactionCount: number): BlockWriteBatch {
  const transactions = Array.from({ length: transactionCount }, (_, index) => {
    const hash =
      hex((height * 16 + index) % 256).slice(0, 62) + index.toString(16).padStart(2, '0');
    return { hash, transaction: sampleTransaction(index), receipt: receipt(hash) };
  });
  const header = {
    chainId: 'suite',
    height,
    time: 1_000 * height,
    previousHash: hex(height - 1),
    transactionsRoot: hex(3),
    resultsRoot: hex(4),
    stateRoot: hex(5),
    transactionCount,
    proposer: hex(6),
  };
  return {
    block: {
      height,
      hash: hex(height),
      header,
      commit: { height, round: 0, blockHash: hex(height), signatures: [] },
    },
    transactions,
    treeNodes: [[`${height}/`, utf8(`bytes-${height}`)]],
  };
}

function genesis(store: ChainStore): void {
  store.saveGenesis({
    genesisJson: '{"chainId":"suite"}',
    genesisHash: hex(9),
    chainId: 'suite',
    stateRoot: hex(8),
    treeNodes: [['0/', utf8('bytes-0')]],
  });
}

export function runChainStoreSuite(name: string, factory: ChainStoreFactory): void {
  describe(`ChainStore conformance: ${name}`, () => {
    test('an empty store has height -1 and no genesis', () => {
      const store = factory.create();
      assert.equal(store.latestHeight(), -1);
      assert.equal(store.genesis(), undefined);
      assert.throws(() => store.commitBlock(batch(1, 1)), StorageError);
      store.close();
    });

    test('genesis is saved once and sets height 0', () => {
      const store = factory.create();
      genesis(store);
      assert.equal(store.latestHeight(), 0);
      assert.equal(store.genesis()?.hash, hex(9));
      assertBytes(store.treeNode('0/'), utf8('bytes-0'));
      assert.throws(() => genesis(store), StorageError);
      store.close();
    });

    test('blocks commit in height order with transactions, receipts and tree nodes', () => {
      const store = factory.create();
      genesis(store);
      const first = batch(1, 3);
      store.commitBlock(first);
      assert.throws(() => store.commitBlock(batch(3, 1)), StorageError);
      assert.equal(store.latestHeight(), 1);
      assert.deepEqual(store.block(1), first.block);
      const stored = store.blockTransactions(1);
      assert.equal(stored.length, 3);
      assert.deepEqual(
        stored.map((entry) => entry.index),
        [0, 1, 2],
      );
      const second = first.transactions[1]!;
      assert.deepEqual(store.transaction(second.hash), { ...second, height: 1, index: 1 });
      assert.equal(store.hasTransaction(second.hash), true);
      assert.equal(store.hasTransaction(hex(0xee)), false);
      assertBytes(store.treeNode('0/'), utf8('bytes-0'));
      assertBytes(store.treeNode('1/'), utf8('bytes-1'));
      assert.equal(store.treeNode('2/'), undefined);
      assert.equal(store.block(2), undefined);
      assert.deepEqual(store.blockTransactions(2), []);
      store.close();
    });

    test('nodes given as views of a larger buffer store only their own bytes', () => {
      // Encoders hand out views into shared arenas; the store must honour offset and length.
      const store = factory.create();
      genesis(store);
      const arena = utf8('xxxx"view-value"yyyy-node-bytes-zzzz');
      const block = batch(1, 1);
      block.treeNodes = [
        ['1/', arena.subarray(20, 31)],
        ['1/a', arena.subarray(4, 16)],
      ];
      store.commitBlock(block);
      assertBytes(store.treeNode('1/'), utf8('-node-bytes'));
      assertBytes(store.treeNode('1/a'), utf8('"view-value"'));
      store.close();
    });

    test('a block with no transactions commits', () => {
      const store = factory.create();
      genesis(store);
      store.commitBlock(batch(1, 0));
      assert.equal(store.latestHeight(), 1);
      assert.deepEqual(store.blockTransactions(1), []);
      store.close();
    });

    if (factory.reopen !== undefined) {
      const reopen = factory.reopen;
      test('everything committed is there after reopening', () => {
        let store = factory.create();
        genesis(store);
        for (let height = 1; height <= 5; height++) {
          store.commitBlock(batch(height, height));
        }
        store = reopen(store);
        assert.equal(store.latestHeight(), 5);
        assert.equal(store.genesis()?.chainId, 'suite');
        assert.equal(store.blockTransactions(5).length, 5);
        assertBytes(store.treeNode('5/'), utf8('bytes-5'));
        assertBytes(store.treeNode('0/'), utf8('bytes-0'));
        store.close();
      });
    }
  });
}
