/**
 * The Transport over TLS 1.3 and TCP. Each endpoint listens on its own address and dials
 * every peer it has an address for; both sides present certificates bound to their
 * validator keys (identity.ts) and both check the other's key after the handshake.
 *
 * Connection rule (docs/spec/p2p.md, "One connection per pair"): both sides may dial, so
 * that a pair still connects when only one knows the other's address. When two
 * authenticated connections exist for one pair, both ends keep the one dialed by the
 * lexicographically smaller key and close the other; each end can tell who dialed which,
 * so they agree without talking. Two connections dialed by the same side (a peer that
 * restarted before we saw its old socket die) resolve to the newest.
 */
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { assert } from '../../protocol/core/assert.js';
import { type Logger, silentLogger } from '../runtime/logger.js';
import { peerIdentity, type TlsIdentity } from './identity.js';
import { type CloseReason, type Dialer, PeerConnection } from './peer-connection.js';
import {
  BACKOFF_DEFAULT,
  type BackoffOptions,
  backoffDelayMs,
  systemTimers,
  type TimerHandle,
  type TransportTimers,
} from './timers.js';
import {
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

export interface TlsTransportOptions {
  identity: TlsIdentity;
  /** Address to listen on; port 0 picks a free port once and keeps it across restarts. */
  host: string;
  port: number;
  peers: PeerAddress[];
  /** Is this key in the current validator set? Asked on every connection; must not throw. */
  isAuthorizedPeer: (publicKeyHex: PeerKey) => boolean;
  limits?: Partial<TransportLimits>;
  reconnect?: Partial<BackoffOptions>;
  /** A TLS handshake (either direction) not finished by then is abandoned. */
  handshakeTimeoutMs?: number;
  /** Extra delay before the larger key of a pair dials (see scheduleDial). */
  dialGraceMs?: number;
  /** Open inbound TCP connections, authenticated or not, beyond which new ones are refused. */
  inboundConnectionsMax?: number;
}

export interface TlsTransportDependencies {
  logger?: Logger;
  timers?: TransportTimers;
  /** For backoff jitter. */
  random?: () => number;
}

interface DialState {
  address: PeerAddress;
  /** Failed attempts since the last connection that lasted; drives the backoff. */
  attempt: number;
  timer: TimerHandle | undefined;
  socket: tls.TLSSocket | undefined;
}

const HANDSHAKE_TIMEOUT_MS_DEFAULT = 5_000;
const INBOUND_CONNECTIONS_MAX_DEFAULT = 256;
const DIAL_GRACE_MS_DEFAULT = 1_000;
const KEEPALIVE_DELAY_MS = 15_000;
/** Long enough for anything in flight on a duplicate connection to arrive. */
const RETIRE_GRACE_MS = 2_000;
/** Refuse TLS 1.2 and below: only TLS 1.3 authenticates the client inside the handshake. */
const TLS_VERSION = 'TLSv1.3';
/** Only Ed25519 may sign CertificateVerify: validator keys are Ed25519 and nothing else. */
const SIGNATURE_ALGORITHMS = 'ed25519';

export class TlsTransport implements Transport {
  readonly localPeer: PeerKey;
  private readonly options: TlsTransportOptions;
  private readonly limits: TransportLimits;
  private readonly backoff: BackoffOptions;
  private readonly logger: Logger;
  private readonly timers: TransportTimers;
  private readonly random: () => number;
  private readonly dialGraceMs: number;
  private readonly secureContext: tls.SecureContext;
  private server: tls.Server | undefined = undefined;
  private boundPort: number;
  private running = false;
  /** Every raw socket we hold, in any state, so stop() can end them all. */
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Map<PeerKey, PeerConnection>();
  /** Losers of duplicate pairs, still read until RETIRE_GRACE_MS has passed. */
  private readonly retired = new Set<PeerConnection>();
  private readonly dials = new Map<PeerKey, DialState>();
  private readonly cooldownUntilMs = new Map<PeerKey, number>();
  private readonly messageHandlers = new Set<MessageHandler>();
  private readonly connectedHandlers = new Set<PeerConnectedHandler>();
  private readonly disconnectedHandlers = new Set<PeerDisconnectedHandler>();

  constructor(options: TlsTransportOptions, dependencies: TlsTransportDependencies = {}) {
    this.options = options;
    this.localPeer = options.identity.publicKeyHex;
    this.limits = { ...TRANSPORT_LIMITS_DEFAULT, ...options.limits };
    this.backoff = { ...BACKOFF_DEFAULT, ...options.reconnect };
    this.logger = (dependencies.logger ?? silentLogger).child({ node: this.localPeer.slice(0, 8) });
    this.timers = dependencies.timers ?? systemTimers;
    this.random = dependencies.random ?? Math.random;
    this.boundPort = options.port;
    this.dialGraceMs = options.dialGraceMs ?? DIAL_GRACE_MS_DEFAULT;
    this.secureContext = tls.createSecureContext({
      cert: options.identity.certificatePem,
      key: options.identity.privateKeyPem,
      minVersion: TLS_VERSION,
      maxVersion: TLS_VERSION,
      sigalgs: SIGNATURE_ALGORITHMS,
    });
    this.setPeerAddresses(options.peers);
  }

  /** The port actually bound (useful after listening on port 0). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    assert(!this.running, 'TlsTransport.start: already running');
    const server = tls.createServer({
      // The server builds its own context: node:tls ignores the certificate of a
      // secureContext passed to createServer (the handshake then finds no key to sign with).
      cert: this.options.identity.certificatePem,
      key: this.options.identity.privateKeyPem,
      sigalgs: SIGNATURE_ALGORITHMS,
      minVersion: TLS_VERSION,
      maxVersion: TLS_VERSION,
      requestCert: true,
      // Self-signed certificates never chain to a CA; peerIdentity() is the real check.
      rejectUnauthorized: false,
      handshakeTimeout: this.options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS_DEFAULT,
    });
    server.maxConnections = this.options.inboundConnectionsMax ?? INBOUND_CONNECTIONS_MAX_DEFAULT;
    server.on('connection', (socket: Socket) => this.track(socket));
    server.on('secureConnection', (socket: tls.TLSSocket) => this.admit(socket, 'remote'));
    server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
      this.logger.info('inbound handshake failed', { code: error.code ?? 'unknown' });
    });
    await listen(server, this.options.host, this.boundPort);
    server.on('error', (error: NodeJS.ErrnoException) => {
      this.logger.error('listener error', { code: error.code ?? 'unknown' });
    });
    const address = server.address();
    assert(address !== null && typeof address === 'object', 'TlsTransport: no bound address');
    this.boundPort = address.port;
    this.server = server;
    this.running = true;
    this.logger.info('p2p listening', { host: this.options.host, port: this.boundPort });
    for (const key of this.dials.keys()) {
      this.scheduleDial(key, 0);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.running = false;
    for (const state of this.dials.values()) {
      this.cancelDial(state);
    }
    for (const connection of [...this.connections.values(), ...this.retired]) {
      connection.close('stopped');
    }
    for (const socket of this.sockets) {
      socket.destroy();
    }
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.logger.info('p2p stopped');
  }

  send(peer: PeerKey, payload: Uint8Array): boolean {
    const connection = this.connections.get(peer);
    return connection?.send(payload) ?? false;
  }

  broadcast(payload: Uint8Array): number {
    let accepted = 0;
    for (const connection of this.connections.values()) {
      if (connection.send(payload)) {
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

  disconnect(peer: PeerKey, reason: string): void {
    const until = this.timers.nowMs() + this.limits.disconnectCooldownMs;
    this.cooldownUntilMs.set(peer, until);
    // The reason is the driver's own short code (e.g. 'invalid_vote'), never message bytes.
    this.logger.info('disconnecting peer', { peer: peer.slice(0, 16), reason });
    this.closeAll(peer, 'requested');
  }

  /** The peer's outgoing queue, for metrics and tests; undefined when not connected. */
  queueStatus(peer: PeerKey): { messages: number; bytes: number } | undefined {
    return this.connections.get(peer)?.queued;
  }

  connectedPeers(): PeerKey[] {
    return [...this.connections.keys()].sort();
  }

  updatePeers(peers: PeerAddress[]): void {
    this.setPeerAddresses(peers);
    for (const peer of [...this.connections.keys()]) {
      if (!this.options.isAuthorizedPeer(peer)) {
        this.closeAll(peer, 'unauthorized');
      }
    }
    if (this.running) {
      for (const [key, state] of this.dials) {
        if (state.timer === undefined && state.socket === undefined) {
          this.scheduleDial(key, 0);
        }
      }
    }
  }

  /** Closes the peer's connection and any retired duplicate of it. */
  private closeAll(peer: PeerKey, reason: CloseReason): void {
    for (const connection of [...this.retired]) {
      if (connection.peer === peer) {
        connection.close(reason);
      }
    }
    this.connections.get(peer)?.close(reason);
  }

  private setPeerAddresses(peers: PeerAddress[]): void {
    const wanted = new Map<PeerKey, PeerAddress>();
    for (const address of peers) {
      if (address.publicKey !== this.localPeer) {
        wanted.set(address.publicKey, address);
      }
    }
    for (const [key, state] of this.dials) {
      if (!wanted.has(key)) {
        this.cancelDial(state);
        this.dials.delete(key);
      }
    }
    for (const [key, address] of wanted) {
      const state = this.dials.get(key);
      if (state === undefined) {
        this.dials.set(key, { address, attempt: 0, timer: undefined, socket: undefined });
      } else {
        state.address = address;
      }
    }
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private cancelDial(state: DialState): void {
    if (state.timer !== undefined) {
      this.timers.clearTimeout(state.timer);
      state.timer = undefined;
    }
    state.socket?.destroy();
    state.socket = undefined;
  }

  private scheduleDial(key: PeerKey, delayMs: number): void {
    const state = this.dials.get(key);
    if (state === undefined || !this.running || state.timer !== undefined) {
      return;
    }
    const cooldownMs = (this.cooldownUntilMs.get(key) ?? 0) - this.timers.nowMs();
    // The larger key holds back, so that normally only the smaller one dials and the pair
    // rarely has to settle duplicates; it still dials in the end, in case the smaller key
    // does not know our address.
    const graceMs = this.localPeer > key ? this.dialGraceMs : 0;
    const wait = Math.max(delayMs + graceMs, cooldownMs, 0);
    state.timer = this.timers.setTimeout(() => {
      state.timer = undefined;
      this.dial(key);
    }, wait);
  }

  private scheduleRedial(key: PeerKey): void {
    const state = this.dials.get(key);
    if (state === undefined) {
      return;
    }
    const delay = backoffDelayMs({
      attempt: state.attempt,
      backoff: this.backoff,
      random: this.random,
    });
    state.attempt += 1;
    this.scheduleDial(key, delay);
  }

  private dial(key: PeerKey): void {
    const state = this.dials.get(key);
    if (!this.running || state === undefined || state.socket !== undefined) {
      return;
    }
    if (this.connections.has(key)) {
      return;
    }
    const { host, port } = state.address;
    const socket = tls.connect({
      host,
      port,
      secureContext: this.secureContext,
      minVersion: TLS_VERSION,
      maxVersion: TLS_VERSION,
      rejectUnauthorized: false,
      // Names mean nothing here; the key in the certificate is checked by peerIdentity().
      checkServerIdentity: () => undefined,
    });
    state.socket = socket;
    this.track(socket);
    let secured = false;
    socket.setTimeout(this.options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS_DEFAULT, () => {
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!secured) {
        this.logger.debug('dial failed', { peer: key.slice(0, 16), code: error.code ?? '' });
      }
    });
    socket.once('secureConnect', () => {
      secured = true;
      state.socket = undefined;
      socket.setTimeout(0);
      if (!this.admit(socket, 'local', key)) {
        this.scheduleRedial(key);
      }
    });
    socket.once('close', () => {
      if (!secured) {
        state.socket = undefined;
        this.scheduleRedial(key);
      }
    });
  }

  /** Authenticates a socket whose handshake finished, then makes it the peer's connection. */
  private admit(socket: tls.TLSSocket, dialer: Dialer, expected?: PeerKey): boolean {
    const identity = peerIdentity({
      certificate: socket.getPeerX509Certificate(),
      protocol: socket.getProtocol(),
      localPublicKeyHex: this.localPeer,
      ...(expected === undefined ? {} : { expectedPublicKeyHex: expected }),
      isAuthorizedPeer: this.options.isAuthorizedPeer,
    });
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (!identity.ok) {
      this.logger.warn('peer refused', { reason: identity.reason, remote, dialer });
      socket.destroy();
      return false;
    }
    const peer = identity.publicKeyHex;
    if ((this.cooldownUntilMs.get(peer) ?? 0) > this.timers.nowMs()) {
      this.logger.info('peer refused', { reason: 'cooling_down', peer: peer.slice(0, 16) });
      socket.destroy();
      return false;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    const connection = new PeerConnection(
      socket,
      { peer, dialer, openedAtMs: this.timers.nowMs(), limits: this.limits, logger: this.logger },
      {
        onFrame: (from, payload) => this.deliver(from, payload),
        onClose: (closed, reason) => this.closed(closed, reason),
      },
    );
    this.install(connection);
    return true;
  }

  private install(connection: PeerConnection): void {
    const peer = connection.peer;
    const existing = this.connections.get(peer);
    if (existing === undefined) {
      this.connections.set(peer, connection);
      // A dial in flight is left to finish: if it completes, survivor() settles the pair
      // the same way on both ends, whereas cancelling it here could make the ends disagree.
      const state = this.dials.get(peer);
      if (state?.timer !== undefined) {
        this.timers.clearTimeout(state.timer);
        state.timer = undefined;
      }
      this.logger.info('peer connected', { peer: peer.slice(0, 16), dialer: connection.dialer });
      for (const handler of this.connectedHandlers) {
        handler(peer);
      }
      return;
    }
    if (this.survivor(existing, connection) === existing) {
      this.retire(connection, existing);
      return;
    }
    this.connections.set(peer, connection);
    this.retire(existing, connection);
  }

  /**
   * The loser of a duplicate pair stops carrying our messages at once (its queue moves to
   * the winner) but is read for RETIRE_GRACE_MS more, for what the peer sent on it before
   * it made the same choice; then it is destroyed. Its close is not a disconnect.
   */
  private retire(loser: PeerConnection, winner: PeerConnection): void {
    winner.adoptQueued(loser.takeQueued());
    loser.retire();
    this.retired.add(loser);
    this.logger.debug('duplicate connection retired', {
      peer: loser.peer.slice(0, 16),
      kept: winner.dialer,
    });
    this.timers.setTimeout(() => loser.close('duplicate'), RETIRE_GRACE_MS);
  }

  /** Which of two connections to one peer both ends keep (see the header comment). */
  private survivor(existing: PeerConnection, incoming: PeerConnection): PeerConnection {
    if (existing.dialer === incoming.dialer) {
      return incoming;
    }
    const preferred: Dialer = this.localPeer < existing.peer ? 'local' : 'remote';
    return existing.dialer === preferred ? existing : incoming;
  }

  private deliver(connection: PeerConnection, payload: Uint8Array): void {
    const current = this.connections.get(connection.peer) === connection;
    if (!current && !this.retired.has(connection)) {
      return;
    }
    for (const handler of this.messageHandlers) {
      handler(connection.peer, payload);
    }
  }

  private closed(connection: PeerConnection, reason: CloseReason): void {
    this.retired.delete(connection);
    const peer = connection.peer;
    if (this.connections.get(peer) !== connection) {
      return;
    }
    this.connections.delete(peer);
    const state = this.dials.get(peer);
    // Only a connection that lasted resets the backoff; one refused right after the
    // handshake (the peer does not accept our key) must not be redialed in a tight loop.
    if (state !== undefined && this.timers.nowMs() - connection.openedAtMs >= this.backoff.maxMs) {
      state.attempt = 0;
    }
    this.logger.info('peer disconnected', { peer: peer.slice(0, 16), reason });
    const disconnectReason = reason === 'duplicate' ? 'closed' : reason;
    for (const handler of this.disconnectedHandlers) {
      handler(peer, disconnectReason);
    }
    if (this.running) {
      this.scheduleRedial(peer);
    }
  }
}

function listen(server: tls.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(new TransportError('listen_failed', `cannot listen on ${host}:${port}`, error));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export type TransportErrorCode = 'listen_failed';

/** Operational errors of the transport (STYLE P9): a code, a message and the cause. */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}
