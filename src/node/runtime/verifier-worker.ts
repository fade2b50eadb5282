/**
 * Worker thread that checks Ed25519 signatures with libsodium. Two kinds of request:
 *
 * - Checks: one packed ArrayBuffer per batch (transferred, not copied), answered with one
 *   byte per item. Layout per item: signature (64) ‖ public key (32) ‖ message length
 *   (u32 LE) ‖ message.
 * - A client's batch as its JSON text: decoded, hashed and verified here
 *   (transaction-preparation.ts), so the main thread only parses it and admits.
 */
import { parentPort } from 'node:worker_threads';
import sodium from 'sodium-native';
import { hexInto } from '../../protocol/core/bytes.js';
import { sha256Bytes } from '../crypto/node-crypto.js';
import { type PreparedBatch, prepareBatch } from './transaction-preparation.js';

interface CheckRequest {
  id: number;
  count: number;
  buffer: ArrayBuffer;
}

interface BatchRequest {
  id: number;
  text: string;
  limit: number;
}

/** Signature ‖ public key of the transaction being verified. */
const scratch = Buffer.alloc(96);
const scratchSignature = scratch.subarray(0, 64);
const scratchKey = scratch.subarray(64, 96);

function check(request: CheckRequest): void {
  const bytes = new Uint8Array(request.buffer);
  const view = new DataView(request.buffer);
  const results = new Uint8Array(request.count);
  let offset = 0;
  for (let i = 0; i < request.count; i++) {
    const signature = bytes.subarray(offset, offset + 64);
    const publicKey = bytes.subarray(offset + 64, offset + 96);
    const length = view.getUint32(offset + 96, true);
    const message = bytes.subarray(offset + 100, offset + 100 + length);
    results[i] = sodium.crypto_sign_verify_detached(signature, message, publicKey) ? 1 : 0;
    offset += 100 + length;
  }
  parentPort?.postMessage({ id: request.id, results }, [results.buffer]);
}

function prepare(request: BatchRequest): void {
  let batch: PreparedBatch;
  try {
    batch = prepareBatch(request.text, request.limit, sha256Bytes, (transaction, message) => {
      hexInto(transaction.signature, scratch, 0);
      hexInto(transaction.signer, scratch, 64);
      return sodium.crypto_sign_verify_detached(scratchSignature, message, scratchKey);
    });
  } catch {
    // An answer without a batch: the main thread prepares it itself, and must never wait
    // for one. The error is not sent: its message may quote the transactions.
    parentPort?.postMessage({ id: request.id });
    return;
  }
  const { statuses, ends, signing } = batch;
  parentPort?.postMessage({ id: request.id, batch }, [
    statuses.buffer as ArrayBuffer,
    ends.buffer as ArrayBuffer,
    signing,
  ]);
}

parentPort?.on('message', (request: CheckRequest | BatchRequest) => {
  if ('text' in request) {
    prepare(request);
  } else {
    check(request);
  }
});
