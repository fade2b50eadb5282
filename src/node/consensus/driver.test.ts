/**
 * The consensus driver with four in-process validators (memory stores, WAL files, memory
 * transport): transactions sent to one validator commit on all with one hash per height, a
 * crashed validator restarts from its WAL and catches up by certified blocks, and a peer
 * that sends bytes that do not decode is disconnected.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createMemoryConsortium,
  type MemoryConsortium,
  type MemoryValidator,
  TEST_CHAIN_ID,
} from '../../testing/memory-node.js';
import { waitFor } from '../../testing/node-process.js';
import { registrationWorkload } from '../../testing/workload.js';
import { sodiumSigner } from '../crypto/index.js';
import { decodePacket, encodePacket } from './wire.js';

const dir = mkdtempSync(join(tmpdir(), 'medchain-driver-'));
let consortium: MemoryConsortium;
let nonce = 0;

before(async () => {
  consortium = createMemoryConsortium(dir);
  await Promise.all(consortium.validators.map((validator) => validator.start()));
});

after(async () => {
  await consortium.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Submits `count` registrations to validator `index` and returns their hashes. */
async function submit(index: number, count: number): Promise<string[]> {
  const transactions = registrationWorkload({
    chainId: TEST_CHAIN_ID,
    admin: consortium.admins.hospital,
    startNonce: nonce,
    firstIndex: nonce,
    count,
    seed: 'driver',
    derivePublicKey: (seed) => sodiumSigner(seed).publicKey,
  });
  nonce += count;
  const node = consortium.validators[index]!.node;
  const results = await Promise.all(transactions.map((tx) => node.submitAsync(tx)));
  return results.map((result) => {
    assert.ok(result.ok, JSON.stringify(result));
    return result.hash;
  });
}

function assertAgreement(): number {
  const stores = consortium.validators.map((validator) => validator.store);
  const height = Math.min(...stores.map((store) => store.latestHeight()));
  for (let h = 1; h <= height; h++) {
    const hashes = new Set(stores.map((store) => store.block(h)!.hash));
    assert.equal(hashes.size, 1, `disagreement at height ${h}`);
  }
  return height;
}

const committedEverywhere = (hashes: string[], validators = consortium.validators) =>
  validators.every((validator) => hashes.every((hash) => validator.store.hasTransaction(hash)));

describe('consensus driver, four validators in one process', () => {
  it('commits transactions sent to one validator on all of them', async () => {
    const hashes = await submit(1, 40);
    await waitFor(() => committedEverywhere(hashes), 15_000);
    assertAgreement();
    for (const validator of consortium.validators) {
      assert.equal(validator.node.mempool.size, 0, `${validator.name} kept committed entries`);
    }
  });

  it('keeps committing with one validator down, and the restarted one catches up', async () => {
    const payer = consortium.validators[2]!;
    await payer.crash();
    const others = consortium.validators.filter((validator) => validator !== payer);
    const hashes = await submit(0, 30);
    await waitFor(() => committedEverywhere(hashes, others), 20_000);
    await payer.start();
    const target = Math.max(...others.map((validator) => validator.store.latestHeight()));
    await waitFor(() => payer.store.latestHeight() >= target, 20_000);
    assert.ok(committedEverywhere(hashes));
    assertAgreement();
  });

  it('sends a peer seen behind the block only if it is still behind a moment later', async () => {
    const [hospital, , payer, pharmacy] = consortium.validators;
    const helper = hospital!;
    const blocksSent: Array<{ to: string; height: number }> = [];
    const send = helper.transport.send.bind(helper.transport);
    helper.transport.send = (peer, payload) => {
      const decoded = decodePacket(payload);
      if (decoded.ok && decoded.packet.kind === 'block') {
        blocksSent.push({ to: peer, height: decoded.packet.certificate.height });
      }
      return send(peer, payload);
    };
    await waitFor(() => helper.store.latestHeight() >= 3, 10_000);
    const lateVote = (from: MemoryValidator, height: number) =>
      encodePacket({
        kind: 'consensus',
        message: {
          type: 'prevote',
          height,
          round: 0,
          blockHash: null,
          validator: from.transport.localPeer,
          signature: '00'.repeat(64),
        },
      });
    const deliver = (from: MemoryValidator, payload: Uint8Array) =>
      (helper.transport as unknown as { receive(from: string, p: Uint8Array): void }).receive(
        from.transport.localPeer,
        payload,
      );
    try {
      // The pharmacy is running: its own messages for later heights reach the helper before
      // the delay is over, so its late vote does not cost it a block.
      deliver(pharmacy!, lateVote(pharmacy!, helper.store.latestHeight() - 1));
      // The payer is down: nothing newer comes from it, so it is sent the block.
      await payer!.crash();
      const behind = helper.store.latestHeight() - 1;
      deliver(payer!, lateVote(payer!, behind));
      await waitFor(() => blocksSent.some((sent) => sent.to === payer!.transport.localPeer), 5_000);
      assert.deepEqual(
        blocksSent.find((sent) => sent.to === payer!.transport.localPeer)?.height,
        behind,
      );
      assert.equal(
        blocksSent.filter((sent) => sent.to === pharmacy!.transport.localPeer).length,
        0,
        'a peer that caught up by itself was sent a block',
      );
    } finally {
      helper.transport.send = send;
      await payer!.start();
    }
  });

  it('disconnects a peer whose packet does not decode', async () => {
    const [hospital, clinic] = consortium.validators;
    assert.ok(hospital!.transport.connectedPeers().includes(clinic!.transport.localPeer));
    clinic!.transport.send(hospital!.transport.localPeer, new TextEncoder().encode('{not json'));
    await waitFor(
      () => !hospital!.transport.connectedPeers().includes(clinic!.transport.localPeer),
      5_000,
    );
  });
});
