/**
 * Worker thread that checks Ed25519 signatures with libsodium. It receives one packed
 * ArrayBuffer per batch (transferred, not copied) and answers with one byte per item.
 * Layout per item: signature (64) ‖ public key (32) ‖ message length (u32 LE) ‖ message.
 */
import { parentPort } from 'node:worker_threads';
import sodium from 'sodium-native';

interface VerifyRequest {
  id: number;
  count: number;
  buffer: ArrayBuffer;
}

parentPort?.on('message', (request: VerifyRequest) => {
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
});
