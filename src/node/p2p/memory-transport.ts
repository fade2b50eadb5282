/**
 * The in-memory twin of TlsTransport (STYLE P4, P10): several endpoints in one process,
 * joined by a MemoryNetwork hub, with the same observable behaviour — mutual
 * authorization, ordered delivery per pair, bounded per-peer queues with backpressure,
 * disconnect with cool-down, stop and restart. For driver tests that need a real event
 * loop but no sockets; the deterministic simulator has its own network model.
 *
 * Delivery is asynchronous (setImmediate), as from a socket, so a handler never runs inside
 * the sender's send() call.
 */
import { assert } from '../../protocol/core/assert.js';
import { systemTimers, type TransportTimers } from './timers.js';
import {
  type DisconnectReason,
  type MessageHandler,
  type PeerAddress,
  type PeerConnectedHandler,
  type PeerDisconnectedHandler,
  type PeerKey,
  subscribe,
  TRANSPORT_LIMITS_DEFAULT,
  type Transport,
  type TransportLimits,
  type Unsubscribe,
} from './transport.js';

/** One direction of a connection: what `from` sent that `to` has not yet been handed. */
interface MemoryLink {
  from: MemoryTransport;
  to: MemoryTransport;
  queue: Uint8Array[];
  queueBytes: number;
  scheduled: boolean;
  up: boolean;
}

export interface MemoryTransportOptions {
  publicKey: PeerKey;
  isAuthorizedPeer: (publicKeyHex: PeerKey) => boolean;
  /** Peers this endpoint "dials"; a pair connects when either side lists the other. */
  peers?: PeerKey[];
  limits?: Partial<TransportLimits>;
}

/** The hub: owns the endpoints and decides which pairs are connected. */
export class MemoryNetwork {
  private readonly endpoints = new Map<PeerKey, MemoryTransport>();
  private readonly paused = new Set<PeerKey>();
  readonly timers: TransportTimers;

  constructor(dependencies: { timers?: TransportTimers } = {}) {
    this.timers = dependencies.timers ?? systemTimers;
  }

  endpoint(options: MemoryTransportOptions): MemoryTransport {
    assert(!this.endpoints.has(options.publicKey), 'MemoryNetwork: key already has an endpoint');
    const transport = new MemoryTransport(this, options);
    this.endpoints.set(options.publicKey, transport);
    return transport;
  }

  /**
   * Holds every delivery to `peer` while paused, as a reader that stops reading would:
   * its senders' queues fill up and their send() starts returning false.
   */
  setPaused(peer: PeerKey, paused: boolean): void {
    if (paused) {
      this.paused.add(peer);
      return;
    }
    this.paused.delete(peer);
    for (const endpoint of this.endpoints.values()) {
      endpoint.resumeLinkTo(peer);
    }
  }

  isPaused(peer: PeerKey): boolean {
    return this.paused.has(peer);
  }

  /** Connects every pair of running endpoints that should be connected and is not. */
  connectAll(): void {
    const running = [...this.endpoints.values()].filter((endpoint) => endpoint.isRunning);
    for (const a of running) {
      for (const b of running) {
        if (a.localPeer < b.localPeer && a.wantsLinkWith(b) && b.wantsLinkWith(a)) {
          a.attach(b);
          b.attach(a);
        }
      }
    }
  }
}

export class MemoryTransport implements Transport {
  readonly localPeer: PeerKey;
  private readonly network: MemoryNetwork;
  private readonly options: MemoryTransportOptions;
  private readonly limits: TransportLimits;
  private running = false;
  private peers: Set<PeerKey>;
  private readonly links = new Map<PeerKey, MemoryLink>();
  private readonly cooldownUntilMs = new Map<PeerKey, number>();
  private readonly messageHandlers = new Set<MessageHandler>();
  private readonly connectedHandlers = new Set<PeerConnectedHandler>();
  private readonly disconnectedHandlers = new Set<PeerDisconnectedHandler>();

  constructor(network: MemoryNetwork, options: MemoryTransportOptions) {
    this.network = network;
    this.options = options;
    this.localPeer = options.publicKey;
    this.limits = { ...TRANSPORT_LIMITS_DEFAULT, ...options.limits };
    this.peers = new Set(options.peers ?? []);
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    assert(!this.running, 'MemoryTransport.start: already running');
    this.running = true;
    this.network.connectAll();
  }

  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.running = false;
    for (const link of [...this.links.values()]) {
      this.detach(link.to, 'stopped', 'closed');
    }
  }

  send(peer: PeerKey, payload: Uint8Array): boolean {
    const link = this.links.get(peer);
    if (link === undefined) {
      return false;
    }
    assert(payload.length <= this.limits.framePayloadBytesMax, 'send: payload over frame limit');
    const full =
      link.queue.length >= this.limits.queueMessagesMax ||
      link.queueBytes + payload.length > this.limits.queueBytesMax;
    if (full) {
      return false;
    }
    // Uint8Array.from, not slice(): Buffer#slice returns a view sharing the caller's memory.
    link.queue.push(Uint8Array.from(payload));
    link.queueBytes += payload.length;
    this.scheduleDelivery(link);
    return true;
  }

  broadcast(payload: Uint8Array): number {
    let accepted = 0;
    for (const peer of this.links.keys()) {
      if (this.send(peer, payload)) {
        accepted += 1;
      }
    }
    return accepted;
  }

  onMessage(handler: MessageHandler): Unsubscribe {
    return subscribe(this.messageHandlers, handler);
  }

  onPeerConnected(handler: PeerConnectedHandler): Unsubscribe {
    return subscribe(this.connectedHandlers, handler);
  }

  onPeerDisconnected(handler: PeerDisconnectedHandler): Unsubscribe {
    return subscribe(this.disconnectedHandlers, handler);
  }

  disconnect(peer: PeerKey, _reason: string): void {
    const timers = this.network.timers;
    const until = timers.nowMs() + this.limits.disconnectCooldownMs;
    this.cooldownUntilMs.set(peer, until);
    const link = this.links.get(peer);
    if (link !== undefined) {
      this.detach(link.to, 'requested', 'closed');
    }
    // Once the cool-down is over the pair may connect again, as TlsTransport would redial.
    // The entry is cleared here rather than compared with the clock: a timer may fire a
    // fraction of a millisecond before the monotonic clock reaches `until`.
    timers.setTimeout(() => {
      if (this.cooldownUntilMs.get(peer) === until) {
        this.cooldownUntilMs.delete(peer);
      }
      this.network.connectAll();
    }, this.limits.disconnectCooldownMs);
  }

  connectedPeers(): PeerKey[] {
    return [...this.links.keys()].sort();
  }

  updatePeers(peers: PeerAddress[]): void {
    this.peers = new Set(peers.map((address) => address.publicKey));
    for (const link of [...this.links.values()]) {
      if (!this.options.isAuthorizedPeer(link.to.localPeer)) {
        this.detach(link.to, 'unauthorized', 'closed');
      }
    }
    this.network.connectAll();
  }

  /** Hub side: whether this endpoint accepts (or would dial) a link with `other`. */
  wantsLinkWith(other: MemoryTransport): boolean {
    if (other === this || this.links.has(other.localPeer)) {
      return false;
    }
    const cooldown = this.cooldownUntilMs.get(other.localPeer) ?? 0;
    if (cooldown > this.network.timers.nowMs()) {
      return false;
    }
    const listed = this.peers.has(other.localPeer) || other.peers.has(this.localPeer);
    return listed && this.options.isAuthorizedPeer(other.localPeer);
  }

  /** Hub side: opens our direction of a link and reports the peer connected. */
  attach(other: MemoryTransport): void {
    const link: MemoryLink = {
      from: this,
      to: other,
      queue: [],
      queueBytes: 0,
      scheduled: false,
      up: true,
    };
    this.links.set(other.localPeer, link);
    for (const handler of this.connectedHandlers) {
      handler(other.localPeer);
    }
  }

  /** Hub side: delivery to `peer` may go on after the network un-paused it. */
  resumeLinkTo(peer: PeerKey): void {
    const link = this.links.get(peer);
    if (link !== undefined && link.queue.length > 0) {
      this.scheduleDelivery(link);
    }
  }

  private detach(other: MemoryTransport, ours: DisconnectReason, theirs: DisconnectReason): void {
    this.dropLink(other.localPeer, ours);
    other.dropLink(this.localPeer, theirs);
  }

  private dropLink(peer: PeerKey, reason: DisconnectReason): void {
    const link = this.links.get(peer);
    if (link === undefined) {
      return;
    }
    link.up = false;
    this.links.delete(peer);
    for (const handler of this.disconnectedHandlers) {
      handler(peer, reason);
    }
  }

  private scheduleDelivery(link: MemoryLink): void {
    if (link.scheduled) {
      return;
    }
    link.scheduled = true;
    setImmediate(() => {
      link.scheduled = false;
      if (this.network.isPaused(link.to.localPeer)) {
        return;
      }
      // Take the batch first: handlers may send, and those go out in a later turn.
      const batch = link.queue;
      link.queue = [];
      link.queueBytes = 0;
      for (const payload of batch) {
        if (!link.up) {
          return;
        }
        link.to.receive(this.localPeer, payload);
      }
    });
  }

  private receive(from: PeerKey, payload: Uint8Array): void {
    for (const handler of this.messageHandlers) {
      handler(from, payload);
    }
  }
}
