/**
 * The Transport conformance suite (STYLE P10): what the driver may rely on, whichever adapter
 * it is given. memory-transport.test.ts and tls-transport.test.ts each run it against their
 * adapter; adapter-specific behaviour (certificates, sockets, framing on the wire) is tested
 * next to the adapter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DisconnectReason, PeerAddress, PeerKey, Transport } from './transport.js';

export interface TransportCluster {
  /** Started endpoints, each told the others' addresses; index i is node i. */
  transports: Transport[];
  /** Keys the endpoints' isAuthorizedPeer accepts; tests may remove one and updatePeers. */
  authorized: Set<PeerKey>;
  /** Stops node i and starts a fresh endpoint with the same key and address. */
  restart(index: number): Promise<Transport>;
  /** Every node's current address, for updatePeers. */
  addresses(): PeerAddress[];
  /** Stops every endpoint. */
  close(): Promise<void>;
}

export interface TransportSuiteOptions {
  /** Builds a cluster of `size` nodes with short reconnect delays and a cool-down ≤ 500 ms. */
  createCluster(size: number): Promise<TransportCluster>;
  /** Time within which reconnects must happen, given the cluster's backoff cap. */
  reconnectBoundMs: number;
}

export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Records every message and peer event of one endpoint. */
export class Recorder {
  readonly messages: { from: PeerKey; text: string }[] = [];
  readonly connected: PeerKey[] = [];
  readonly disconnected: { peer: PeerKey; reason: DisconnectReason }[] = [];

  constructor(transport: Transport) {
    transport.onMessage((from, payload) => {
      this.messages.push({ from, text: Buffer.from(payload).toString('utf8') });
    });
    transport.onPeerConnected((peer) => this.connected.push(peer));
    transport.onPeerDisconnected((peer, reason) => this.disconnected.push({ peer, reason }));
  }

  textsFrom(peer: PeerKey): string[] {
    return this.messages.filter((message) => message.from === peer).map((m) => m.text);
  }
}

const text = (value: string): Uint8Array => Buffer.from(value, 'utf8');

function fullMesh(transports: Transport[]): boolean {
  return transports.every(
    (transport) => transport.connectedPeers().length === transports.length - 1,
  );
}

/** What every test of the suite shares: the cluster, one recorder per node, the bound. */
interface SuiteContext {
  cluster: TransportCluster;
  recorders: Recorder[];
  boundMs: number;
}

async function meshDeliversInOrder({ cluster, recorders, boundMs }: SuiteContext): Promise<void> {
  const [a, b, c, d] = cluster.transports as [Transport, Transport, Transport, Transport];
  for (const transport of cluster.transports) {
    const others = cluster.transports.filter((other) => other !== transport);
    assert.deepEqual(transport.connectedPeers(), others.map((other) => other.localPeer).sort());
  }
  for (let i = 0; i < 50; i++) {
    assert.equal(a.send(b.localPeer, text(`a->b ${i}`)), true);
    assert.equal(b.send(a.localPeer, text(`b->a ${i}`)), true);
  }
  assert.equal(c.broadcast(text('hello from c')), 3);
  const [ra, rb, , rd] = recorders as [Recorder, Recorder, Recorder, Recorder];
  const fifty = () =>
    rb.textsFrom(a.localPeer).length === 50 && ra.textsFrom(b.localPeer).length === 50;
  await waitFor('50 messages each way', fifty, boundMs);
  const numbers = Array.from({ length: 50 }, (_, i) => i);
  assert.deepEqual(
    rb.textsFrom(a.localPeer),
    numbers.map((i) => `a->b ${i}`),
  );
  assert.deepEqual(
    ra.textsFrom(b.localPeer),
    numbers.map((i) => `b->a ${i}`),
  );
  await waitFor('the broadcast', () => rd.textsFrom(c.localPeer).length === 1, boundMs);
  assert.deepEqual(rd.textsFrom(c.localPeer), ['hello from c']);
  assert.equal(d.send(d.localPeer, text('to myself')), false);
}

async function payloadIsCopied({ cluster, recorders, boundMs }: SuiteContext): Promise<void> {
  const [a, b] = cluster.transports as [Transport, Transport];
  const buffer = text('original');
  assert.equal(a.send(b.localPeer, buffer), true);
  buffer.fill(0x21);
  const rb = recorders[1]!;
  await waitFor('the message', () => rb.textsFrom(a.localPeer).includes('original'), boundMs);
}

async function disconnectCoolsDown({ cluster, recorders, boundMs }: SuiteContext): Promise<void> {
  const [a, b] = cluster.transports as [Transport, Transport];
  const [ra, rb] = recorders as [Recorder, Recorder];
  a.disconnect(b.localPeer, 'invalid_message');
  assert.equal(a.connectedPeers().includes(b.localPeer), false);
  assert.equal(a.send(b.localPeer, text('after disconnect')), false);
  await waitFor('b to see a go', () => !b.connectedPeers().includes(a.localPeer), boundMs);
  assert.ok(ra.disconnected.some((e) => e.peer === b.localPeer && e.reason === 'requested'));
  assert.ok(rb.disconnected.some((event) => event.peer === a.localPeer));
  const healed = () => fullMesh(cluster.transports);
  await waitFor('a and b to reconnect after the cool-down', healed, boundMs + 1000);
  assert.equal(a.send(b.localPeer, text('after cool-down')), true);
  const arrived = () => rb.textsFrom(a.localPeer).includes('after cool-down');
  await waitFor('traffic again', arrived, boundMs);
}

async function restartReconnects(context: SuiteContext): Promise<void> {
  const { cluster, recorders, boundMs } = context;
  const [a] = cluster.transports as [Transport];
  const stoppedKey = cluster.transports[3]!.localPeer;
  const restarted = await cluster.restart(3);
  assert.equal(restarted.localPeer, stoppedKey);
  recorders[3] = new Recorder(restarted);
  await waitFor('the mesh to heal', () => fullMesh(cluster.transports), boundMs);
  assert.equal(a.send(stoppedKey, text('welcome back')), true);
  assert.equal(restarted.send(a.localPeer, text('glad to be back')), true);
  const bothWays = () =>
    recorders[3]!.textsFrom(a.localPeer).includes('welcome back') &&
    recorders[0]!.textsFrom(stoppedKey).includes('glad to be back');
  await waitFor('traffic both ways', bothWays, boundMs);
}

function revokedPeerIsDropped({ cluster, recorders }: SuiteContext): void {
  const [a, , c] = cluster.transports as [Transport, Transport, Transport];
  const ra = recorders[0]!;
  cluster.authorized.delete(c.localPeer);
  a.updatePeers(cluster.addresses().filter((address) => address.publicKey !== c.localPeer));
  assert.equal(a.connectedPeers().includes(c.localPeer), false);
  assert.ok(ra.disconnected.some((e) => e.peer === c.localPeer && e.reason === 'unauthorized'));
  cluster.authorized.add(c.localPeer);
}

/** The tests share one cluster of four, in this order; each leaves a full mesh behind. */
export function runTransportSuite(name: string, options: TransportSuiteOptions): void {
  describe(`transport suite: ${name}`, () => {
    const context = { boundMs: options.reconnectBoundMs } as SuiteContext;

    before(async () => {
      context.cluster = await options.createCluster(4);
      context.recorders = context.cluster.transports.map((transport) => new Recorder(transport));
      const meshed = () => fullMesh(context.cluster.transports);
      await waitFor('a full mesh of 4', meshed, context.boundMs);
    });

    after(async () => {
      await context.cluster.close();
    });

    it('forms a full mesh and delivers both ways, in order per sender', () =>
      meshDeliversInOrder(context));
    it('refuses to send to a key that is not connected', () => {
      const a = context.cluster.transports[0]!;
      assert.equal(a.send('ab'.repeat(32), text('nobody')), false);
    });
    it('copies the payload: reusing the buffer after send() changes nothing', () =>
      payloadIsCopied(context));
    it('disconnect() drops the peer both ends, refuses it a while, then heals', () =>
      disconnectCoolsDown(context));
    it('a stopped and restarted node is reconnected and traffic resumes', () =>
      restartReconnects(context));
    it('updatePeers closes connections to keys that left the validator set', () =>
      revokedPeerIsDropped(context));
  });
}
