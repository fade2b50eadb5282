/**
 * One authenticated connection to a peer: frames in, frames out, a bounded outgoing queue.
 *
 * Writes go straight to the socket while it accepts them; once socket.write returns false
 * (its buffer is past the high-water mark) frames wait in our queue until 'drain'. The
 * queue is bounded in messages and bytes, and send() returns false when it is full, so a
 * peer that reads slowly costs us at most the queue bounds plus one frame, never more.
 *
 * Every way the connection can end funnels into close(), which runs once and reports once.
 */
import type { Socket } from 'node:net';
import { Fifo } from '../../protocol/core/fifo.js';
import type { Logger } from '../runtime/logger.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import type { DisconnectReason, PeerKey, TransportLimits } from './transport.js';

/** 'duplicate' closes a retired connection; the peer stays connected over the other one. */
export type CloseReason = DisconnectReason | 'duplicate';

/** Which side opened the TCP connection; decides which of two duplicates survives. */
export type Dialer = 'local' | 'remote';

export interface PeerConnectionEvents {
  onFrame(connection: PeerConnection, payload: Uint8Array): void;
  onClose(connection: PeerConnection, reason: CloseReason): void;
}

export interface PeerConnectionOptions {
  peer: PeerKey;
  dialer: Dialer;
  /** On the transport's clock; lets it tell a lasting connection from one that flapped. */
  openedAtMs: number;
  limits: TransportLimits;
  logger: Logger;
}

/** FIFO of encoded frames with a running byte total; bounds are enforced by the caller. */
class FrameQueue {
  private readonly frames = new Fifo<Buffer>();
  bytes = 0;

  get length(): number {
    return this.frames.length;
  }

  push(frame: Buffer): void {
    this.frames.push(frame);
    this.bytes += frame.length;
  }

  shift(): Buffer | undefined {
    const frame = this.frames.shift();
    if (frame !== undefined) {
      this.bytes -= frame.length;
    }
    return frame;
  }

  clear(): void {
    this.frames.clear();
    this.bytes = 0;
  }
}

export class PeerConnection {
  readonly peer: PeerKey;
  readonly dialer: Dialer;
  readonly openedAtMs: number;
  private readonly socket: Socket;
  private readonly limits: TransportLimits;
  private readonly logger: Logger;
  private readonly events: PeerConnectionEvents;
  private readonly decoder: FrameDecoder;
  private readonly queue = new FrameQueue();
  /** True between a write that returned false and the next 'drain'. */
  private blocked = false;
  private closed = false;
  private retired = false;

  constructor(socket: Socket, options: PeerConnectionOptions, events: PeerConnectionEvents) {
    this.peer = options.peer;
    this.dialer = options.dialer;
    this.openedAtMs = options.openedAtMs;
    this.socket = socket;
    this.limits = options.limits;
    this.logger = options.logger;
    this.events = events;
    this.decoder = new FrameDecoder({ payloadBytesMax: options.limits.framePayloadBytesMax });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.flush());
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // Only the code: a TLS error message can quote bytes the peer sent.
      this.logger.debug('peer socket error', { code: error.code ?? 'unknown' });
      this.close('closed');
    });
    socket.on('close', () => this.close('closed'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Frames and bytes waiting in our queue (not counting the socket's own buffer). */
  get queued(): { messages: number; bytes: number } {
    return { messages: this.queue.length, bytes: this.queue.bytes };
  }

  send(payload: Uint8Array): boolean {
    if (this.closed || this.retired) {
      return false;
    }
    if (!this.blocked && this.queue.length === 0) {
      this.blocked = !this.socket.write(encodeFrame(payload, this.limits.framePayloadBytesMax));
      return true;
    }
    const full =
      this.queue.length >= this.limits.queueMessagesMax ||
      this.queue.bytes + payload.length > this.limits.queueBytesMax;
    if (full) {
      return false;
    }
    this.queue.push(encodeFrame(payload, this.limits.framePayloadBytesMax));
    return true;
  }

  /** True once retire() was called: still read from, no longer written to. */
  get isRetired(): boolean {
    return this.retired;
  }

  /**
   * Hands over the frames not yet written, for the connection that replaces this one, so a
   * swap of duplicate connections does not lose them.
   */
  takeQueued(): Buffer[] {
    const frames: Buffer[] = [];
    for (let frame = this.queue.shift(); frame !== undefined; frame = this.queue.shift()) {
      frames.push(frame);
    }
    return frames;
  }

  /** Appends frames taken from a retired connection, ahead of anything sent from now on. */
  adoptQueued(frames: Buffer[]): void {
    for (const frame of frames) {
      if (this.closed) {
        return;
      }
      if (!this.blocked && this.queue.length === 0) {
        this.blocked = !this.socket.write(frame);
      } else {
        this.queue.push(frame);
      }
    }
  }

  /**
   * Stops writing but keeps reading: the peer may still be sending on this connection
   * until it too sees the duplicate, and what it sends must not be lost. No FIN is sent,
   * because the peer would take it for the end of the peer relationship; the transport
   * destroys a retired connection after a grace period instead.
   */
  retire(): void {
    this.retired = true;
  }

  /** Ends the connection now; queued frames are dropped. Safe to call more than once. */
  close(reason: CloseReason): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.queue.clear();
    this.socket.destroy();
    this.events.onClose(this, reason);
  }

  private flush(): void {
    this.blocked = false;
    while (!this.closed && !this.blocked) {
      const frame = this.queue.shift();
      if (frame === undefined) {
        return;
      }
      this.blocked = !this.socket.write(frame);
    }
  }

  private receive(chunk: Buffer): void {
    if (this.closed) {
      return;
    }
    const { frames, error } = this.decoder.push(chunk);
    for (const payload of frames) {
      // The handler may close us (the driver disconnects a peer for a bad message).
      if (this.closed) {
        return;
      }
      this.events.onFrame(this, payload);
    }
    if (error !== undefined) {
      this.logger.warn('peer protocol error', { code: error.code, lengthBytes: error.lengthBytes });
      this.close('protocol_error');
    }
  }
}
