/**
 * MemoryTransport against the Transport suite, plus the backpressure a paused reader causes:
 * the twin must push back exactly as the TLS adapter does, or driver tests would pass on
 * behaviour production does not have.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryNetwork, type MemoryTransport } from './memory-transport.js';
import type { PeerAddress, PeerKey, TransportLimits } from './transport.js';
import { Recorder, runTransportSuite, type TransportCluster, waitFor } from './transport.suite.js';

const keyOf = (index: number): PeerKey => (index + 1).toString(16).padStart(2, '0').repeat(32);

function memoryCluster(size: number, limits: Partial<TransportLimits> = {}): TransportCluster {
  const network = new MemoryNetwork();
  const keys = Array.from({ length: size }, (_, i) => keyOf(i));
  const authorized = new Set<PeerKey>(keys);
  const endpoints = new Map<PeerKey, MemoryTransport>();
  const make = (key: PeerKey): MemoryTransport => {
    const existing = endpoints.get(key);
    if (existing !== undefined) {
      return existing;
    }
    const created = network.endpoint({
      publicKey: key,
      isAuthorizedPeer: (peer) => authorized.has(peer),
      peers: keys,
      limits: { disconnectCooldownMs: 100, ...limits },
    });
    endpoints.set(key, created);
    return created;
  };
  const transports = keys.map(make);
  return {
    transports,
    authorized,
    addresses: (): PeerAddress[] =>
      keys.map((key) => ({ publicKey: key, host: 'memory', port: 0 })),
    async restart(index) {
      // One endpoint per key in the hub: a restart is stop() then start() of that endpoint.
      const transport = transports[index]!;
      await transport.stop();
      await transport.start();
      return transport;
    },
    async close() {
      await Promise.all(transports.map((transport) => transport.stop()));
    },
  };
}

runTransportSuite('memory', {
  async createCluster(size) {
    const cluster = memoryCluster(size);
    await Promise.all(cluster.transports.map((transport) => transport.start()));
    return cluster;
  },
  reconnectBoundMs: 1000,
});

describe('memory transport: backpressure', () => {
  it('send() returns false once a paused reader has filled the queue, and recovers', async () => {
    const cluster = memoryCluster(2, { queueMessagesMax: 10, queueBytesMax: 1024 });
    await Promise.all(cluster.transports.map((transport) => transport.start()));
    const [a, b] = cluster.transports as [MemoryTransport, MemoryTransport];
    const network = (a as unknown as { network: MemoryNetwork }).network;
    const received = new Recorder(b);
    network.setPaused(b.localPeer, true);
    const results = Array.from({ length: 20 }, () => a.send(b.localPeer, new Uint8Array(8)));
    assert.deepEqual(results, [...Array(10).fill(true), ...Array(10).fill(false)]);
    assert.equal(a.send(b.localPeer, new Uint8Array(8)), false);
    network.setPaused(b.localPeer, false);
    await waitFor('the queued ten', () => received.messages.length === 10, 1000);
    assert.equal(a.send(b.localPeer, new Uint8Array(8)), true);
    await cluster.close();
  });
});
