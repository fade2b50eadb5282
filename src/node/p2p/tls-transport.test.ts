/**
 * TlsTransport on real TLS 1.3 sockets on 127.0.0.1: the Transport suite, then what only
 * real sockets can show — who is refused at the handshake, what a peer holding an
 * authorized certificate but not its key can and cannot do, bad bytes on the wire, and a
 * reader too slow for us. Every endpoint and socket is closed at the end of its test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { type TlsIdentity, tlsIdentityFromSeed } from './identity.js';
import { TlsTransport } from './tls-transport.js';
import type { PeerAddress, TransportLimits } from './transport.js';
import { Recorder, runTransportSuite, type TransportCluster, waitFor } from './transport.suite.js';

const HOST = '127.0.0.1';
const RECONNECT = { initialMs: 20, maxMs: 200, jitter: 0.5 };
const identityOf = (index: number): TlsIdentity =>
  tlsIdentityFromSeed(new Uint8Array(32).fill(index + 1));

interface TlsCluster extends TransportCluster {
  transports: TlsTransport[];
}

async function tlsCluster(
  size: number,
  limits: Partial<TransportLimits> = {},
): Promise<TlsCluster> {
  const identities = Array.from({ length: size }, (_, i) => identityOf(i));
  const authorized = new Set(identities.map((identity) => identity.publicKeyHex));
  const make = (identity: TlsIdentity, port: number, peers: PeerAddress[]) =>
    new TlsTransport({
      identity,
      host: HOST,
      port,
      peers,
      isAuthorizedPeer: (key) => authorized.has(key),
      limits: { disconnectCooldownMs: 300, ...limits },
      reconnect: RECONNECT,
      dialGraceMs: 100,
      handshakeTimeoutMs: 2_000,
    });
  const transports = identities.map((identity) => make(identity, 0, []));
  await Promise.all(transports.map((transport) => transport.start()));
  const addresses = (): PeerAddress[] =>
    transports.map((t) => ({ publicKey: t.localPeer, host: HOST, port: t.port }));
  for (const transport of transports) {
    transport.updatePeers(addresses());
  }
  return {
    transports,
    authorized,
    addresses,
    async restart(index) {
      // A new endpoint with the same key and port, as a restarted process would be.
      const old = transports[index]!;
      await old.stop();
      const fresh = make(identities[index]!, old.port, addresses());
      transports[index] = fresh;
      await fresh.start();
      return fresh;
    },
    async close() {
      await Promise.all(transports.map((transport) => transport.stop()));
    },
  };
}

runTransportSuite('tls', { createCluster: tlsCluster, reconnectBoundMs: 3_000 });

/** A hand-driven TLS client holding `identity`, for the attacks the transport never makes. */
function rawClient(port: number, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: HOST,
      port,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ...options,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const asClient = (identity: TlsIdentity): tls.ConnectionOptions => ({
  cert: identity.certificatePem,
  key: identity.privateKeyPem,
});

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    socket.on('error', () => {});
    socket.once('close', () => resolve());
    // Read and discard: a paused socket never sees the peer's end, so would never close.
    socket.resume();
  });
}

/** Resolves true if the socket closed within the time, false if it was still open. */
async function closesWithin(socket: net.Socket, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const result = await Promise.race([closed(socket).then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

function frameHeader(lengthBytes: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(lengthBytes, 0);
  return header;
}

/** A transport and a raw client, both holding a key outside the set, dial `a`. */
async function outsiderIsRefused(cluster: TlsCluster, intruder: TlsIdentity): Promise<void> {
  const [a] = cluster.transports as [TlsTransport];
  const recorder = new Recorder(a);
  await waitFor('the pair', () => a.connectedPeers().length === 1, 3_000);
  // The intruder's own transport dials `a`, believes itself welcome, and sends at once.
  const outsider = new TlsTransport({
    identity: intruder,
    host: HOST,
    port: 0,
    peers: [{ publicKey: a.localPeer, host: HOST, port: a.port }],
    isAuthorizedPeer: () => true,
    reconnect: RECONNECT,
  });
  outsider.onPeerConnected((peer) => outsider.send(peer, Buffer.from('let me in')));
  await outsider.start();
  try {
    // And by hand: a raw client with the same certificate, writing a frame straight away.
    const socket = await rawClient(a.port, asClient(intruder));
    socket.write(Buffer.concat([frameHeader(2), Buffer.from('hi')]));
    assert.equal(await closesWithin(socket, 2_000), true, 'the server must close the socket');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(a.connectedPeers(), [cluster.transports[1]!.localPeer]);
    assert.equal(recorder.messages.length, 0);
    assert.ok(!recorder.connected.includes(intruder.publicKeyHex));
  } finally {
    await outsider.stop();
  }
}

/** `a` believes validator 7 listens where an authorized impostor (the intruder) does. */
async function impostorIsRefused(cluster: TlsCluster, intruder: TlsIdentity): Promise<void> {
  const [a] = cluster.transports as [TlsTransport];
  const impostor = tls.createServer({
    cert: intruder.certificatePem,
    key: intruder.privateKeyPem,
    minVersion: 'TLSv1.3',
  });
  // Counted at TCP accept: `a` drops the socket as soon as its side of the handshake ends,
  // which may be before the impostor's side completes.
  const accepted: net.Socket[] = [];
  impostor.on('connection', (socket: net.Socket) => accepted.push(socket));
  impostor.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => impostor.listen(0, HOST, resolve));
  cluster.authorized.add(intruder.publicKeyHex);
  try {
    const port = (impostor.address() as net.AddressInfo).port;
    a.updatePeers([{ publicKey: identityOf(7).publicKeyHex, host: HOST, port }]);
    await waitFor('the impostor to be dialed', () => accepted.length > 0, 2_000);
    const ended = () => accepted.every((socket) => socket.destroyed);
    await waitFor('the handshake to end', ended, 2_000);
    assert.equal(a.connectedPeers().includes(intruder.publicKeyHex), false);
  } finally {
    cluster.authorized.delete(intruder.publicKeyHex);
    a.updatePeers(cluster.addresses());
    for (const socket of accepted) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => impostor.close(() => resolve()));
  }
}

describe('tls transport: who may connect', () => {
  let cluster: TlsCluster;
  const intruder = identityOf(50);

  before(async () => {
    cluster = await tlsCluster(2);
  });

  after(async () => {
    await cluster.close();
  });

  it('refuses a valid certificate for a key outside the validator set', () =>
    outsiderIsRefused(cluster, intruder));

  it('refuses a client without a certificate and a client limited to TLS 1.2', async () => {
    const [a] = cluster.transports as [TlsTransport];
    const recorder = new Recorder(a);
    const anonymous = await rawClient(a.port, {});
    assert.equal(await closesWithin(anonymous, 2_000), true);
    const old = tls.connect({
      host: HOST,
      port: a.port,
      maxVersion: 'TLSv1.2',
      rejectUnauthorized: false,
      ...asClient(identityOf(1)),
    });
    old.on('error', () => {});
    assert.equal(await closesWithin(old, 2_000), true);
    assert.equal(recorder.messages.length, 0);
  });

  it('dialing a known address that answers with another key is refused', () =>
    impostorIsRefused(cluster, intruder));
});

describe('tls transport: an authorized certificate without its private key', () => {
  it('cannot be paired with another key: the TLS stack refuses to sign for it', () => {
    // The attacker has validator 0's certificate (it is public: every peer sees it) and its
    // own key. TLS 1.3 makes each side sign the handshake transcript (CertificateVerify)
    // with the key of the certificate it presents, and OpenSSL checks that signature
    // whatever rejectUnauthorized says. So the attacker must sign as validator 0; Node's
    // TLS cannot even be configured to try, because it checks the pair first.
    const victim = identityOf(0);
    const attacker = identityOf(60);
    assert.throws(
      () => tls.createSecureContext({ cert: victim.certificatePem, key: attacker.privateKeyPem }),
      /key values mismatch/,
    );
  });

  it('replaying a recorded handshake of the authorized peer does not connect', async () => {
    // What an attacker without the key can do is record an honest handshake and replay it.
    // b dials a through a recording relay; then b is stopped and the recording is sent to
    // a again. a answers with a fresh random and key share, so the replayed Certificate,
    // CertificateVerify and Finished no longer match the transcript: the handshake fails.
    const cluster = await tlsCluster(2);
    const [a, b] = cluster.transports as [TlsTransport, TlsTransport];
    const recorded: Buffer[] = [];
    const relay = net.createServer((inbound) => {
      const outbound = net.connect(a.port, HOST);
      inbound.on('data', (chunk: Buffer) => {
        recorded.push(chunk);
        outbound.write(chunk);
      });
      outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, HOST, resolve));
    const relayPort = (relay.address() as net.AddressInfo).port;
    try {
      // Only b dials, and only through the relay.
      a.updatePeers([]);
      b.updatePeers([{ publicKey: a.localPeer, host: HOST, port: relayPort }]);
      await waitFor('b connected via the relay', () => a.connectedPeers().length === 1, 3_000);
      await b.stop();
      await waitFor('a to see b go', () => a.connectedPeers().length === 0, 3_000);
      const recorder = new Recorder(a);
      const replay = net.connect(a.port, HOST, () => replay.write(Buffer.concat(recorded)));
      assert.equal(await closesWithin(replay, 2_000), true, 'the replay must be cut off');
      assert.deepEqual(a.connectedPeers(), []);
      assert.deepEqual(recorder.connected, []);
      assert.equal(recorder.messages.length, 0);
    } finally {
      relay.close();
      await cluster.close();
    }
  });
});

describe('tls transport: bad bytes and slow readers', () => {
  it('drops a peer sending an oversize frame or garbage, and keeps going', async () => {
    const cluster = await tlsCluster(3, { framePayloadBytesMax: 1024 });
    const [a, b] = cluster.transports as [TlsTransport, TlsTransport, TlsTransport];
    const c = cluster.transports[2]!;
    const recorder = new Recorder(a);
    try {
      await waitFor('the mesh', () => a.connectedPeers().length === 2, 3_000);
      // c's key is authorized; a raw client holding it speaks for c.
      await c.stop();
      await waitFor('c gone', () => a.connectedPeers().length === 1, 3_000);
      const oversize = await rawClient(a.port, asClient(identityOf(2)));
      oversize.write(frameHeader(1025));
      assert.equal(await closesWithin(oversize, 2_000), true);
      const garbage = await rawClient(a.port, asClient(identityOf(2)));
      garbage.write(Buffer.concat([Buffer.from([0xff]), randomBytes(4096)]));
      assert.equal(await closesWithin(garbage, 2_000), true);
      // Garbage before any TLS at all.
      const plain = net.connect(a.port, HOST, () => plain.write(randomBytes(2048)));
      assert.equal(await closesWithin(plain, 2_000), true);
      assert.ok(recorder.disconnected.some((event) => event.reason === 'protocol_error'));
      assert.equal(recorder.messages.length, 0);
      // The endpoint is unharmed: b still talks to a.
      assert.equal(b.send(a.localPeer, Buffer.from('still here')), true);
      await waitFor('b message', () => recorder.textsFrom(b.localPeer).length === 1, 2_000);
    } finally {
      await cluster.close();
    }
  });

  it('a reader that stops reading makes send() return false, not memory grow', async () => {
    const limits = { queueMessagesMax: 1_000, queueBytesMax: 512 * 1024 };
    const cluster = await tlsCluster(2, limits);
    const [a, b] = cluster.transports as [TlsTransport, TlsTransport];
    try {
      await waitFor('the pair', () => a.connectedPeers().length === 1, 3_000);
      // b's key, held by a raw client that never reads.
      await b.stop();
      await waitFor('b gone', () => a.connectedPeers().length === 0, 3_000);
      const slow = await rawClient(a.port, asClient(identityOf(1)));
      slow.pause();
      await waitFor('the slow peer', () => a.connectedPeers().includes(b.localPeer), 3_000);
      const payload = new Uint8Array(64 * 1024);
      let accepted = 0;
      // Give the kernel's socket buffers time to fill, then the transport's queue.
      for (let round = 0; round < 400 && a.send(b.localPeer, payload); round++) {
        accepted += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(a.send(b.localPeer, payload), false, 'a full queue must push back');
      for (let i = 0; i < 1_000; i++) {
        assert.equal(a.send(b.localPeer, payload), false);
      }
      const queued = a.queueStatus(b.localPeer);
      assert.ok(queued !== undefined && queued.bytes <= limits.queueBytesMax, 'queue bounded');
      assert.ok(accepted < 400, `accepted ${accepted} sends before pushing back`);
      // Once the reader reads again, the queue drains and sending works again.
      slow.on('data', () => {});
      slow.resume();
      await waitFor('the queue to drain', () => a.queueStatus(b.localPeer)?.bytes === 0, 5_000);
      assert.equal(a.send(b.localPeer, payload), true);
      slow.destroy();
    } finally {
      await cluster.close();
    }
  });
});
