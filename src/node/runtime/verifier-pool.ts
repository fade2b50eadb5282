/**
 * Signature verification, batched per turn of the event loop. Every validator verifies
 * every transaction, and at 55 µs a signature that is the largest single cost of
 * admission. A worker thread puts it on a core the main thread is not using: requests made
 * in the same turn are packed into one message per worker, because a message costs about
 * as much as a verification. When the validator has no spare core (several validators on
 * one machine, each busy), a pool of zero threads checks the batch on the main thread
 * instead: the workers would only take turns with the main threads, and the messages,
 * thread switches and copies cost about 8% of the consortium's rate (measured in
 * docs/BENCHMARKS.md).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { assert } from '../../protocol/core/assert.js';
import { hexInto } from '../../protocol/core/bytes.js';
import type { PreparedBatch } from './transaction-preparation.js';

/**
 * One signature to check. The signature and key are the transaction's own lowercase hex,
 * already checked by its decoder: they are decoded straight into the packed batch, so a
 * check allocates no byte arrays of its own while it waits for its batch.
 */
export interface SignatureCheck {
  signatureHex: string;
  publicKeyHex: string;
  message: Uint8Array;
}

interface Pending {
  checks: SignatureCheck[];
  resolvers: ((valid: boolean) => void)[];
}

const BATCH_ITEMS_MAX = 1024;

/**
 * A small young generation for each thread. Parsing a client's batch is almost all
 * short-lived garbage, and V8's default (sized from the machine's memory) let it pile up:
 * one validator at fixed load 16,000 peaked at 299-309 MiB instead of 270-279 with 4 MB,
 * at the same rate.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/** A worker's answer: check results, a prepared batch, or neither when it could not. */
interface WorkerReply {
  id: number;
  results?: Uint8Array;
  batch?: PreparedBatch;
}

/** Checks one signature on the calling thread; the pool's own thread when it has none. */
export type VerifyOnThread = (
  signature: Uint8Array,
  message: Uint8Array,
  key: Uint8Array,
) => boolean;

/**
 * The default number of verifier threads: one less than this validator's share of the
 * machine's cores, so zero when as many validators as cores (or more) share it.
 */
export function defaultVerifierThreads(cores: number, validatorsOnHost: number): number {
  return Math.max(0, Math.floor(cores / Math.max(1, validatorsOnHost)) - 1);
}

export class VerifierPool {
  private readonly workers: Worker[] = [];
  private readonly inFlight = new Map<number, (reply: WorkerReply) => void>();
  private pending: Pending = { checks: [], resolvers: [] };
  private flushScheduled = false;
  private nextId = 1;
  private nextWorker = 0;
  private readonly onThread: VerifyOnThread | undefined;
  /** Signature ‖ key of the check being made on this thread. */
  private readonly scratch = new Uint8Array(96);

  /**
   * `size` 0 checks on this thread with `onThread`, which it then requires; by default the
   * pool runs as if alone on the machine, with at least one thread.
   */
  constructor(
    size = Math.max(1, defaultVerifierThreads(availableParallelism(), 1)),
    onThread?: VerifyOnThread,
  ) {
    if (size === 0 && onThread === undefined) {
      throw new Error('a verifier pool without threads needs a function to verify with');
    }
    this.onThread = size === 0 ? onThread : undefined;
    const url = new URL('./verifier-worker.js', import.meta.url);
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { resourceLimits: WORKER_LIMITS });
      worker.on('message', (reply: WorkerReply) => {
        const resolve = this.inFlight.get(reply.id);
        this.inFlight.delete(reply.id);
        if (this.inFlight.size === 0) {
          this.holdProcess(false);
        }
        resolve?.(reply);
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Worker threads; with none, checks run on the calling thread. */
  get threads(): number {
    return this.workers.length;
  }

  /**
   * Decodes, hashes and verifies the first `limit` transactions of a client's batch, given
   * as the JSON text of `{ "transactions": [...] }`, on a worker thread: a validator's
   * main thread is its bottleneck, and this is most of what admission does before it
   * looks at state. `done` gets undefined if the thread could not (the caller then
   * prepares the batch itself). Only for a pool with threads.
   */
  prepareBatch(
    text: string,
    limit: number,
    done: (batch: PreparedBatch | undefined) => void,
  ): void {
    assert(this.workers.length > 0, 'verifier pool: preparing a batch needs a thread');
    this.send({ id: this.nextId++, text, limit }, [], (reply) => done(reply.batch));
  }

  verify(check: SignatureCheck): Promise<boolean> {
    return new Promise((resolve) => this.verifyThen(check, resolve));
  }

  /**
   * Calls `done` with the result. Admission checks every transaction this way: a promise
   * and its continuation per signature were measurable work for the collector.
   */
  verifyThen(check: SignatureCheck, done: (valid: boolean) => void): void {
    this.pending.checks.push(check);
    this.pending.resolvers.push(done);
    if (this.pending.checks.length >= BATCH_ITEMS_MAX) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const { checks, resolvers } = this.pending;
    if (checks.length === 0) {
      return;
    }
    this.pending = { checks: [], resolvers: [] };
    if (this.onThread !== undefined) {
      this.checkHere(this.onThread, checks, resolvers);
      return;
    }
    const buffer = pack(checks);
    this.send({ id: this.nextId++, count: checks.length, buffer }, [buffer], (reply) => {
      const results = reply.results!;
      for (let i = 0; i < resolvers.length; i++) {
        resolvers[i]!(results[i] === 1);
      }
    });
  }

  private send(
    request: { id: number; [field: string]: unknown },
    transfer: ArrayBuffer[],
    resolve: (reply: WorkerReply) => void,
  ): void {
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    if (this.inFlight.size === 0) {
      this.holdProcess(true);
    }
    this.inFlight.set(request.id, resolve);
    worker.postMessage(request, transfer);
  }

  private checkHere(
    verify: VerifyOnThread,
    checks: SignatureCheck[],
    resolvers: ((valid: boolean) => void)[],
  ): void {
    const { scratch } = this;
    const signature = scratch.subarray(0, 64);
    const key = scratch.subarray(64, 96);
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i]!;
      hexInto(check.signatureHex, scratch, 0);
      hexInto(check.publicKeyHex, scratch, 64);
      resolvers[i]!(verify(signature, check.message, key));
    }
  }

  /**
   * Idle workers do not keep the process alive, but checks in flight do: a caller awaiting
   * a verification must get its answer even when nothing else holds the event loop open.
   */
  private holdProcess(hold: boolean): void {
    for (const worker of this.workers) {
      if (hold) {
        worker.ref();
      } else {
        worker.unref();
      }
    }
  }

  async close(): Promise<void> {
    this.flush();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

function pack(checks: SignatureCheck[]): ArrayBuffer {
  let size = 0;
  for (const check of checks) {
    size += 100 + check.message.length;
  }
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  let offset = 0;
  for (const check of checks) {
    hexInto(check.signatureHex, bytes, offset);
    hexInto(check.publicKeyHex, bytes, offset + 64);
    view.setUint32(offset + 96, check.message.length, true);
    bytes.set(check.message, offset + 100);
    offset += 100 + check.message.length;
  }
  return buffer;
}
