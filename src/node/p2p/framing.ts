/**
 * Length-prefixed framing for the peer-to-peer stream: a frame is a u32 big-endian payload
 * length followed by that many payload bytes. The payload is opaque here (the driver puts
 * canonical JSON in it). See docs/spec/p2p.md, "Framing".
 *
 * The decoder is fed whatever chunks the socket delivers and must never throw on them: a
 * peer controls every byte, and an exception out of a socket handler would take the whole
 * validator down. A bad stream is reported as a FrameError, after which the decoder refuses
 * everything, because once a length is wrong the rest of the stream has no frame boundaries.
 */
import { assert } from '../../protocol/core/assert.js';

export const FRAME_HEADER_BYTES = 4;
/** 4 MiB: a full block of transactions fits; anything larger is split by the sender. */
export const FRAME_PAYLOAD_BYTES_MAX_DEFAULT = 4 * 1024 * 1024;
/** The u32 header cannot express more; a configured limit above it is a bug. */
const FRAME_PAYLOAD_BYTES_LIMIT = 0xffff_ffff;

export type FrameErrorCode = 'frame_too_large';

export interface FrameError {
  code: FrameErrorCode;
  /** The announced payload length, for frame_too_large; never payload contents. */
  lengthBytes?: number;
}

export interface DecodeOutput {
  frames: Uint8Array[];
  /** Set once the stream is broken; frames decoded before the fault are still returned. */
  error: FrameError | undefined;
}

/** One frame as one buffer, header and payload together, so a write is a single call. */
export function encodeFrame(payload: Uint8Array, payloadBytesMax: number): Buffer {
  assert(payload.length <= payloadBytesMax, 'encodeFrame: payload exceeds the frame limit');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Incremental decoder. Memory is bounded: at most one partial frame (header plus
 * payloadBytesMax) and the unread rest of the current chunk are ever held, because a
 * header announcing more than the limit fails before any of its payload is buffered.
 */
export class FrameDecoder {
  private readonly payloadBytesMax: number;
  private chunks: Uint8Array[] = [];
  /** Offset into chunks[0] of the first unread byte. */
  private offset = 0;
  private bufferedBytes = 0;
  /** Payload length of the frame being read, once its header has arrived. */
  private expectedBytes: number | undefined = undefined;
  private failure: FrameError | undefined = undefined;

  constructor(options: { payloadBytesMax: number }) {
    assert(Number.isInteger(options.payloadBytesMax), 'FrameDecoder: limit must be an integer');
    assert(options.payloadBytesMax >= 0, 'FrameDecoder: limit must not be negative');
    assert(options.payloadBytesMax <= FRAME_PAYLOAD_BYTES_LIMIT, 'FrameDecoder: limit > u32');
    this.payloadBytesMax = options.payloadBytesMax;
  }

  get error(): FrameError | undefined {
    return this.failure;
  }

  /** Bytes held for a frame not yet complete; never more than header + limit + one chunk. */
  get buffered(): number {
    return this.bufferedBytes;
  }

  push(chunk: Uint8Array): DecodeOutput {
    const frames: Uint8Array[] = [];
    if (this.failure !== undefined) {
      return { frames, error: this.failure };
    }
    // No try/catch: every input path ends in a frame or a FrameError, which the fuzz test
    // holds it to; a throw here would be a broken invariant, and those must not be hidden.
    this.decodeInto(chunk, frames);
    return { frames, error: this.failure };
  }

  private decodeInto(chunk: Uint8Array, frames: Uint8Array[]): void {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    for (;;) {
      if (this.expectedBytes === undefined) {
        if (this.bufferedBytes < FRAME_HEADER_BYTES) {
          return;
        }
        const header = this.take(FRAME_HEADER_BYTES);
        const length = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, false);
        if (length > this.payloadBytesMax) {
          this.fail({ code: 'frame_too_large', lengthBytes: length });
          return;
        }
        this.expectedBytes = length;
      }
      if (this.bufferedBytes < this.expectedBytes) {
        return;
      }
      frames.push(this.take(this.expectedBytes));
      this.expectedBytes = undefined;
    }
  }

  private fail(error: FrameError): void {
    this.failure = error;
    // Drop what was buffered: nothing after a bad header can be trusted or needs keeping.
    this.chunks = [];
    this.offset = 0;
    this.bufferedBytes = 0;
    this.expectedBytes = undefined;
  }

  /**
   * Removes the next `count` bytes as a fresh copy. A copy rather than a view, so that a
   * small message kept by the driver does not pin the socket's whole read buffer.
   */
  private take(count: number): Uint8Array {
    assert(count <= this.bufferedBytes, 'FrameDecoder: take beyond the buffered bytes');
    const out = new Uint8Array(count);
    let written = 0;
    while (written < count) {
      const head = this.chunks[0];
      assert(head !== undefined, 'FrameDecoder: buffered count out of step with chunks');
      const available = head.length - this.offset;
      const n = Math.min(available, count - written);
      out.set(head.subarray(this.offset, this.offset + n), written);
      written += n;
      this.offset += n;
      if (this.offset === head.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.bufferedBytes -= count;
    return out;
  }
}
