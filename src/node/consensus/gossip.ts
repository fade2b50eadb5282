/**
 * Transaction gossip: every transaction a client submits to this validator is sent on to
 * the others, so whichever validator proposes next holds it. Only our clients'
 * transactions are sent (never what a peer sent us: every validator is connected to every
 * other, so relaying would only multiply traffic). Sends are batched, a few milliseconds or
 * a megabyte at a time, and bounded: when a peer's queue is full the batch is dropped for
 * it, and the transactions reach it in a block instead.
 */
import type { Transaction } from '../../protocol/ledger/transaction.js';
import type { Transport } from '../p2p/transport.js';
import { encodePacket, GOSSIP_TRANSACTIONS_MAX } from './wire.js';

/** How long the first transaction of a batch waits for company. */
const GOSSIP_DELAY_MS = 5;
/** Encoded bytes that close a batch at once; well under the 4 MiB frame limit. */
const GOSSIP_BATCH_BYTES = 1024 * 1024;

export class TransactionGossip {
  private batch: Transaction[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly transport: Transport) {}

  /** Queues one transaction whose canonical encoding is `size` bytes. */
  add(transaction: Transaction, size: number): void {
    if (this.stopped) {
      return;
    }
    this.batch.push(transaction);
    this.bytes += size;
    if (this.bytes >= GOSSIP_BATCH_BYTES || this.batch.length >= GOSSIP_TRANSACTIONS_MAX) {
      this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), GOSSIP_DELAY_MS);
    }
  }

  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.batch.length === 0) {
      return;
    }
    const transactions = this.batch;
    this.batch = [];
    this.bytes = 0;
    // A lone validator, or one cut off from every peer, has no one to tell: skip encoding.
    if (this.transport.connectedPeers().length === 0) {
      return;
    }
    this.transport.broadcast(encodePacket({ kind: 'transactions', transactions }));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.batch = [];
  }
}
