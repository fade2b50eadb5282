/**
 * The Ethereum baseline target: MedRec-style contract calls (bench/baselines/medrec)
 * pre-signed by four funded accounts standing for the organization admins, sent as
 * batches of eth_sendRawTransaction, with commits observed by following new blocks.
 * Whether each transaction succeeded is read from its receipt after the round.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { encodeFunctionData, type Hex, keccak256, parseAbi } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { toHex } from '../../src/protocol/core/bytes.js';
import type { EvmTargetSpec } from '../generator-protocol.js';
import { memberId, memberKeys } from '../workloads.js';
import { rpc, rpcBatch } from './json-rpc.js';
import type { CommitSink, Rejection, Target } from './target.js';

/** Hardhat's well-known development mnemonic: its accounts are funded at genesis. */
export const HARDHAT_MNEMONIC = 'test test test test test test test test test test test junk';
/**
 * Sixteen of Hardhat's twenty funded accounts act as organization admins: an automining node
 * executes one transaction per request, so the baseline gets as many parallel senders as
 * Hardhat funds rather than medchain's four.
 */
export const EVM_ADMIN_COUNT = 16;

export const REGISTRAR_ABI = parseAbi([
  'function register(string id, address account, bytes32 signing, bytes32 encryption, uint8 kind)',
  'function addRecord(string patientId, string query, bytes32 hash) returns (address)',
  'function grant(string patientId, address viewer, bool allowed)',
]);

export function evmAdmins() {
  return Array.from({ length: EVM_ADMIN_COUNT }, (_, addressIndex) =>
    mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex }),
  );
}

function hex32(text: string): Hex {
  return `0x${text}`;
}

function addressOf(seed: string, member: number): Hex {
  return `0x${toHex(sha256(new TextEncoder().encode(`${seed}:${member}`))).slice(0, 40)}`;
}

/**
 * Call data of the i-th transaction. registration: Registrar.register, as medchain's
 * registerMember. records-and-permissions: per admin, register a patient, add a record
 * pointer (opening the relationship and Summary), grant a viewer, in turn.
 */
function callData(spec: EvmTargetSpec, i: number): { data: Hex; gas: bigint } {
  const step = spec.workload === 'registration' ? 0 : Math.floor(i / EVM_ADMIN_COUNT) % 3;
  const member = spec.firstMember + (step === 0 ? i : i - step * EVM_ADMIN_COUNT);
  const id = memberId(spec.seed, member);
  if (step === 0) {
    const keys = memberKeys(spec.seed, member);
    const args = [
      id,
      addressOf(spec.seed, member),
      hex32(keys.signing),
      hex32(keys.encryption),
      member % 5,
    ] as const;
    return {
      data: encodeFunctionData({ abi: REGISTRAR_ABI, functionName: 'register', args }),
      gas: 400_000n,
    };
  }
  if (step === 1) {
    const hash = keccak256(new TextEncoder().encode(`record:${id}`));
    const args = [id, `vault://records/${id}/1`, hash] as const;
    return {
      data: encodeFunctionData({ abi: REGISTRAR_ABI, functionName: 'addRecord', args }),
      gas: 3_000_000n,
    };
  }
  const args = [id, addressOf(spec.seed, member + 1_000_000_000), true] as const;
  return {
    data: encodeFunctionData({ abi: REGISTRAR_ABI, functionName: 'grant', args }),
    gas: 200_000n,
  };
}

export async function evmTarget(spec: EvmTargetSpec, count: number): Promise<Target> {
  const admins = evmAdmins();
  const nonces = await Promise.all(
    admins.map((admin) =>
      rpc<Hex>(spec.url, 'eth_getTransactionCount', [admin.address, 'pending']),
    ),
  );
  const next = nonces.map((nonce) => Number(nonce));
  const raw: Hex[] = [];
  for (let i = 0; i < count; i++) {
    const signer = i % EVM_ADMIN_COUNT;
    const { data, gas } = callData(spec, i);
    raw.push(
      await admins[signer]!.signTransaction({
        type: 'eip1559',
        chainId: spec.chainId,
        nonce: next[signer]!++,
        to: spec.registrar,
        data,
        gas,
        maxFeePerGas: 1_000_000_000n,
        maxPriorityFeePerGas: 0n,
      }),
    );
  }
  return new EvmTarget(spec.url, raw, spec.mining === 'interval');
}

interface EvmBlock {
  number: Hex;
  transactions: Hex[];
}

class EvmTarget implements Target {
  readonly count: number;
  /** Transaction i is signed by admin i % EVM_ADMIN_COUNT. */
  readonly lanes = EVM_ADMIN_COUNT;
  private readonly hashes: Hex[];
  private readonly indexByHash = new Map<string, number>();
  private readonly committedAtMs = new Map<number, number>();
  private polling = false;
  private poller: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly raw: Hex[],
    private readonly queueing: boolean,
  ) {
    this.count = raw.length;
    this.hashes = raw.map((transaction) => keccak256(transaction));
    this.hashes.forEach((hash, index) => {
      this.indexByHash.set(hash, index);
    });
  }

  async open(sink: CommitSink, nowMs: () => number): Promise<void> {
    let seen = Number(await rpc<Hex>(this.url, 'eth_blockNumber'));
    this.polling = true;
    this.poller = (async () => {
      while (this.polling) {
        const latest = Number(await rpc<Hex>(this.url, 'eth_blockNumber'));
        // Blocks in chunks, so an automining node's one-block-per-transaction stays cheap.
        for (let from = seen + 1; from <= latest; from += 200) {
          const to = Math.min(latest, from + 199);
          const calls = [];
          for (let height = from; height <= to; height++) {
            calls.push({
              method: 'eth_getBlockByNumber',
              params: [`0x${height.toString(16)}`, false],
            });
          }
          const answers = await rpcBatch(this.url, calls);
          const atMs = nowMs();
          for (const answer of answers) {
            if ('result' in answer) {
              this.observe(answer.result as EvmBlock, atMs, sink);
            }
          }
        }
        seen = latest;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  }

  private observe(block: EvmBlock, atMs: number, sink: CommitSink): void {
    let count = 0;
    for (const hash of block.transactions) {
      const index = this.indexByHash.get(hash);
      if (index !== undefined) {
        this.committedAtMs.set(index, atMs);
        sink.commit(index, atMs, true);
        count += 1;
      }
    }
    sink.block({ height: Number(block.number), transactionCount: count, seenAtMs: atMs });
  }

  /**
   * One request per transaction, in order: Hardhat answers a JSON-RPC batch out of order,
   * and an automining node refuses a nonce it cannot execute at once ("transactions can't
   * be queued when automining"). A lane holds one admin's transactions.
   */
  async submit(indices: number[]): Promise<Rejection[]> {
    if (this.queueing) {
      return this.submitBatch(indices);
    }
    const rejections: Rejection[] = [];
    for (const index of indices) {
      const [answer] = await rpcBatch(this.url, [
        { method: 'eth_sendRawTransaction', params: [this.raw[index]] },
      ]);
      if (answer === undefined || 'error' in answer) {
        const code = answer === undefined ? 'no_answer' : `rpc_${answer.error.code}`;
        rejections.push({ index, code });
      }
    }
    return rejections;
  }

  /** With interval mining the node queues future nonces, so one batch request is safe. */
  private async submitBatch(indices: number[]): Promise<Rejection[]> {
    const calls = indices.map((index) => ({
      method: 'eth_sendRawTransaction',
      params: [this.raw[index]],
    }));
    const answers = await rpcBatch(this.url, calls);
    const rejections: Rejection[] = [];
    answers.forEach((answer, offset) => {
      if (answer === undefined || 'error' in answer) {
        const code = answer === undefined ? 'no_answer' : `rpc_${answer.error.code}`;
        rejections.push({ index: indices[offset]!, code });
      }
    });
    return rejections;
  }

  /** Reads every committed transaction's receipt; a reverted call counts as failed. */
  async reconcile(_indices: number[], sink: CommitSink): Promise<number> {
    const committed = [...this.committedAtMs.keys()];
    for (let start = 0; start < committed.length; start += 500) {
      const chunk = committed.slice(start, start + 500);
      const calls = chunk.map((index) => ({
        method: 'eth_getTransactionReceipt',
        params: [this.hashes[index]],
      }));
      const answers = await rpcBatch(this.url, calls);
      answers.forEach((answer, offset) => {
        const receipt = answer !== undefined && 'result' in answer ? answer.result : undefined;
        if ((receipt as { status?: string } | undefined)?.status !== '0x1') {
          const index = chunk[offset]!;
          sink.commit(index, this.committedAtMs.get(index)!, false);
        }
      });
    }
    return 0;
  }

  async close(): Promise<void> {
    this.polling = false;
    await this.poller.catch(() => undefined);
  }
}
