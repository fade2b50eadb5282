/** The frame format by example: header layout, limits, and byte-at-a-time delivery. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../../protocol/core/assert.js';
import { encodeFrame, FrameDecoder } from './framing.js';

describe('framing', () => {
  it('writes a u32 big-endian length, then the payload', () => {
    const frame = encodeFrame(Buffer.from('abc'), 10);
    assert.equal(frame.toString('hex'), '00000003616263');
    assert.equal(encodeFrame(new Uint8Array(0), 10).toString('hex'), '00000000');
  });

  it('refuses to encode a payload over the limit: that is a bug in the sender', () => {
    assert.throws(() => encodeFrame(new Uint8Array(11), 10), AssertionError);
  });

  it('decodes one byte at a time, empty frames included', () => {
    const stream = Buffer.concat([
      encodeFrame(Buffer.from('hi'), 10),
      encodeFrame(Buffer.of(), 10),
    ]);
    const decoder = new FrameDecoder({ payloadBytesMax: 10 });
    const frames: string[] = [];
    for (const byte of stream) {
      const output = decoder.push(Uint8Array.of(byte));
      assert.equal(output.error, undefined);
      frames.push(...output.frames.map((frame) => Buffer.from(frame).toString()));
    }
    assert.deepEqual(frames, ['hi', '']);
  });

  it('accepts a frame of exactly the limit and refuses one byte more before buffering it', () => {
    const decoder = new FrameDecoder({ payloadBytesMax: 10 });
    assert.equal(decoder.push(encodeFrame(new Uint8Array(10), 10)).frames.length, 1);
    const over = Buffer.from('0000000b', 'hex');
    const output = decoder.push(over);
    assert.deepEqual(output.error, { code: 'frame_too_large', lengthBytes: 11 });
    assert.equal(decoder.buffered, 0);
    assert.deepEqual(decoder.push(encodeFrame(new Uint8Array(1), 10)).frames, []);
  });

  it('hands out copies, not views of the chunk', () => {
    const chunk = encodeFrame(Buffer.from('xyz'), 10);
    const [frame] = new FrameDecoder({ payloadBytesMax: 10 }).push(chunk).frames;
    chunk.fill(0);
    assert.equal(Buffer.from(frame!).toString(), 'xyz');
  });
});
