/**
 * The live-signing round: clients that sign as a real application would, through the SDK's
 * `send` (ask the pending nonce, sign, submit with ?wait=commit). Each client is a member
 * registered before the round, rotating its own encryption key, so clients never contend
 * for a nonce. This is what one medchain client experiences, not what the chain can absorb.
 */
import { performance } from 'node:perf_hooks';
import { cpuUsage } from 'node:process';
import sodium from 'sodium-native';
import { sodiumCrypto, sodiumSigner } from '../src/node/crypto/index.js';
import { toHex } from '../src/protocol/core/bytes.js';
import type { Signer } from '../src/protocol/core/crypto.js';
import { MedchainClient } from '../src/sdk/client.js';
import { MedchainApiError } from '../src/sdk/errors.js';
import { identity } from '../src/sdk/transactions.js';
import { derivedBytes } from '../src/testing/workload.js';
import type {
  FromGenerator,
  GeneratorResult,
  MedchainTargetSpec,
  RoundRequest,
} from './generator-protocol.js';
import { adminSigners } from './medchain-network.js';
import { RoundLedger } from './round-ledger.js';
import { roundFigures } from './statistics.js';
import { boundedFetch } from './targets/target.js';
import { memberId, memberSigningSeed, signWorkload, WORKLOADS } from './workloads.js';

interface LiveClient {
  id: string;
  signer: Signer;
}

/** Registers one member per client and waits (at most 60 s) until all are committed. */
async function registerClients(client: MedchainClient, spec: MedchainTargetSpec) {
  const clients = spec.liveClients ?? 1;
  const signers = await adminSigners(spec.dir);
  const calls = WORKLOADS.registration.calls!({
    seed: spec.seed,
    count: clients,
    signerCount: signers.length,
    firstMember: spec.firstMember,
  });
  const startNonces = await Promise.all(
    signers.map(async (signer) => (await client.account(signer.publicKey)).pendingNonce),
  );
  const signed = signWorkload({
    calls,
    signers,
    startNonces,
    chainId: spec.chainId,
    crypto: sodiumCrypto,
  });
  await client.submitBatch(signed.map((entry) => entry.transaction));
  const deadline = Date.now() + 60_000;
  for (const entry of signed.slice(-signers.length)) {
    while (!('height' in (await client.transaction(entry.hash)))) {
      if (Date.now() > deadline) {
        throw new Error('live-signing setup: registrations not committed within 60 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return Array.from({ length: clients }, (_, i): LiveClient => {
    const member = spec.firstMember + i;
    return {
      id: memberId(spec.seed, member),
      signer: sodiumSigner(memberSigningSeed(spec.seed, member)),
    };
  });
}

export async function runLiveSigning(
  request: RoundRequest,
  spec: MedchainTargetSpec,
  send: (message: FromGenerator) => void,
): Promise<() => Promise<GeneratorResult>> {
  const client = new MedchainClient({ baseUrl: spec.url, fetch: boundedFetch(60_000) });
  const clients = await registerClients(client, spec);
  return async () => {
    const ledger = new RoundLedger(request.count);
    const origin = performance.now();
    const nowMs = () => performance.now() - origin;
    const cpuBefore = cpuUsage();
    let sent = 0;
    const progress = setInterval(() => {
      const elapsedS = nowMs() / 1000;
      send({ type: 'progress', sent, settled: ledger.settled, count: request.count, elapsedS });
    }, 500);
    const work = async (member: LiveClient) => {
      while (sent < request.count && nowMs() < request.sendSMax * 1000) {
        const index = sent++;
        const secret = derivedBytes(spec.seed, `${member.id}-live-${index}`);
        const encryption = new Uint8Array(32);
        sodium.crypto_scalarmult_base(encryption, secret);
        ledger.sentAtMs[index] = nowMs();
        const call = identity.rotateMemberKey({
          member: member.id,
          encryptionKey: toHex(encryption),
        });
        try {
          const answer = await client.send(member.signer, call, {
            chainId: spec.chainId,
            wait: 'commit',
            timeoutMs: 30_000,
          });
          const ok = answer.status === 'committed' && answer.receipt.code === 0;
          ledger.commit(index, nowMs(), ok);
        } catch (error) {
          ledger.reject(index, error instanceof MedchainApiError ? error.code : 'network');
        }
      }
    };
    await Promise.all(clients.map(work));
    clearInterval(progress);
    const cpu = cpuUsage(cpuBefore);
    return {
      figures: roundFigures(ledger),
      sent,
      committed: ledger.committed,
      rejections: ledger.rejections,
      commitsWithoutEvent: 0,
      eventOverflows: 0,
      prepareS: 0,
      clientCpuS: (cpu.user + cpu.system) / 1e6,
      blocks: ledger.blocks,
    };
  };
}
