/**
 * The Transport port: authenticated, framed, best-effort message delivery between
 * validators, named by their Ed25519 public keys. The consensus driver is its consumer; it
 * encodes and decodes payloads and decides which peers misbehave. Two adapters: TlsTransport
 * (TLS 1.3 over TCP) and MemoryTransport (one process, for driver tests); both pass
 * transport.suite.ts. Normative behaviour: docs/spec/p2p.md.
 *
 * Delivery is best-effort on purpose: a message in flight when a connection drops is lost,
 * and nothing is retransmitted across reconnects. BFT consensus already survives lost
 * messages (timeouts and re-broadcast), and a transport that buffered for absent peers
 * would hold unbounded memory for the one peer that never comes back.
 */
import { FRAME_PAYLOAD_BYTES_MAX_DEFAULT } from './framing.js';

/** Lowercase hex of a validator's 32-byte Ed25519 public key. */
export type PeerKey = string;

/** Where a validator listens. The key is who must answer there. */
export interface PeerAddress {
  publicKey: PeerKey;
  host: string;
  port: number;
}

/** Why a peer's connection ended; for logs and for the driver's peer accounting. */
export type DisconnectReason =
  /** The driver asked (disconnect()), typically for invalid messages. */
  | 'requested'
  /** The peer closed the connection or the socket failed. */
  | 'closed'
  /** A framing violation: oversize frame or a stream that is not frames. */
  | 'protocol_error'
  /** Its key left the validator set (updatePeers re-checked it). */
  | 'unauthorized'
  /** This endpoint is stopping. */
  | 'stopped';

export type MessageHandler = (peer: PeerKey, payload: Uint8Array) => void;
export type PeerConnectedHandler = (peer: PeerKey) => void;
export type PeerDisconnectedHandler = (peer: PeerKey, reason: DisconnectReason) => void;
/** Returned by every on* registration; calling it removes the handler. */
export type Unsubscribe = () => void;

export interface Transport {
  /** This endpoint's own key. */
  readonly localPeer: PeerKey;
  /** Starts listening and dialing. Resolves once listening; rejects if it cannot listen. */
  start(): Promise<void>;
  /** Closes every connection and the listener and cancels timers. Idempotent. */
  stop(): Promise<void>;
  /**
   * Queues one message for a connected peer. False when the peer is not connected or its
   * outgoing queue is full (backpressure: the caller drops or retries later); true means
   * queued, not delivered. The bytes are copied, so the caller may reuse its buffer. A
   * payload over limits.framePayloadBytesMax is a bug in the caller and fails an assertion.
   */
  send(peer: PeerKey, payload: Uint8Array): boolean;
  /** send() to every connected peer; returns how many accepted the message. */
  broadcast(payload: Uint8Array): number;
  /** Messages from authenticated peers, in the order each peer sent them. */
  onMessage(handler: MessageHandler): Unsubscribe;
  onPeerConnected(handler: PeerConnectedHandler): Unsubscribe;
  onPeerDisconnected(handler: PeerDisconnectedHandler): Unsubscribe;
  /**
   * Drops the peer's connection and refuses it (both directions) for a cool-down period,
   * so a peer sending invalid messages cannot reconnect straight away.
   */
  disconnect(peer: PeerKey, reason: string): void;
  /** Keys of the peers with an authenticated connection now, sorted. */
  connectedPeers(): PeerKey[];
  /**
   * Replaces the list of peers to dial (the validator set changed) and re-checks every
   * live connection against isAuthorizedPeer, closing those no longer authorized.
   */
  updatePeers(peers: PeerAddress[]): void;
}

/** Limits shared by both adapters; every queue is bounded (STYLE, "put a limit on it"). */
export interface TransportLimits {
  /** Largest payload accepted or sent; a bigger frame is a protocol error. */
  framePayloadBytesMax: number;
  /** Per-peer outgoing queue, in messages. */
  queueMessagesMax: number;
  /** Per-peer outgoing queue, in payload bytes. */
  queueBytesMax: number;
  /** How long a peer dropped by disconnect() is refused. */
  disconnectCooldownMs: number;
}

export const TRANSPORT_LIMITS_DEFAULT: TransportLimits = {
  framePayloadBytesMax: FRAME_PAYLOAD_BYTES_MAX_DEFAULT,
  queueMessagesMax: 4096,
  queueBytesMax: 64 * 1024 * 1024,
  disconnectCooldownMs: 10_000,
};

/** Adds a handler to a set and returns its removal; shared by the adapters. */
export function subscribe<T>(handlers: Set<T>, handler: T): Unsubscribe {
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}
