/**
 * Properties of the frame decoder on hostile input. Any chunking of a valid stream decodes
 * to the same frames; any byte string whatsoever yields frames or a FrameError, never an
 * exception, and never more buffered bytes than one frame. Seeded through FUZZ_SEED, sized
 * through FUZZ_RUNS.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from './framing.js';

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const numRuns = Number(process.env.FUZZ_RUNS ?? 300);
const settings = seed === undefined ? { numRuns } : { numRuns, seed };
const LIMIT = 300;

/**
 * Mostly zero bytes: uniform garbage almost always starts with a length over the limit and
 * fails at once, while this also reaches the paths that decode garbage frames.
 */
const sparseBytes = fc
  .array(fc.constantFrom(0, 0, 0, 1, 255), { maxLength: 700 })
  .map((bytes) => Uint8Array.from(bytes));

/** Cuts `bytes` at the given points (taken modulo its length, sorted, deduplicated). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

function anyChunkingDecodesTheSame(): void {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: LIMIT }), { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map((payload) => encodeFrame(payload, LIMIT)));
        const decoder = new FrameDecoder({ payloadBytesMax: LIMIT });
        const frames: Uint8Array[] = [];
        for (const chunk of chunked(stream, cuts)) {
          const output = decoder.push(chunk);
          assert.equal(output.error, undefined);
          frames.push(...output.frames);
        }
        assert.deepEqual(
          frames.map((frame) => Buffer.from(frame)),
          payloads.map((p) => Buffer.from(p)),
        );
        assert.equal(decoder.buffered, 0);
      },
    ),
    settings,
  );
}

function garbageNeverThrows(): void {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 700 }), sparseBytes), { maxLength: 12 }),
      (chunks) => {
        const decoder = new FrameDecoder({ payloadBytesMax: LIMIT });
        let failed = false;
        for (const chunk of chunks) {
          const output = decoder.push(chunk);
          if (failed) {
            assert.deepEqual(output.frames, [], 'no frames after a fault');
          }
          for (const frame of output.frames) {
            assert.ok(frame.length <= LIMIT);
          }
          if (output.error !== undefined) {
            assert.equal(output.error.code, 'frame_too_large');
            failed = true;
          }
          // One partial frame, plus what is left of the chunk just pushed.
          assert.ok(decoder.buffered <= FRAME_HEADER_BYTES + LIMIT + chunk.length);
        }
      },
    ),
    settings,
  );
}

function validPrefixBeforeBadHeader(): void {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 5 }),
      fc.integer({ min: LIMIT + 1, max: 0xffff_ffff }),
      fc.uint8Array({ maxLength: 100 }),
      (payloads, badLength, tail) => {
        const header = Buffer.alloc(4);
        header.writeUInt32BE(badLength, 0);
        const stream = Buffer.concat([
          ...payloads.map((payload) => encodeFrame(payload, LIMIT)),
          header,
          tail,
        ]);
        const output = new FrameDecoder({ payloadBytesMax: LIMIT }).push(stream);
        assert.equal(output.frames.length, payloads.length);
        assert.deepEqual(output.error, { code: 'frame_too_large', lengthBytes: badLength });
      },
    ),
    settings,
  );
}

describe('framing: properties', () => {
  it(
    'any chunking of a stream of valid frames decodes to the same frames',
    anyChunkingDecodesTheSame,
  );
  it('garbage never throws, stays bounded, and a fault is final', garbageNeverThrows);
  it(
    'a valid prefix still yields its frames before a bad header ends the stream',
    validPrefixBeforeBadHeader,
  );
});
