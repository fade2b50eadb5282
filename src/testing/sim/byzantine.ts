/**
 * Byzantine validators, made by wrapping an honest replica's edges: its outgoing messages,
 * its block builder and its view of incoming traffic (STYLE P7: never a fork of the
 * engine). Each class is one misbehaviour the safety argument must survive; a replica may
 * combine several. All of them together stay within f: the cluster never makes more than
 * f validators (by power) Byzantine.
 */

import { signProposal, signVote } from '../../protocol/consensus/messages.js';
import type { ConsensusMessage, Proposal, Vote } from '../../protocol/consensus/types.js';
import { toHex } from '../../protocol/core/bytes.js';
import type { Crypto, Signer } from '../../protocol/core/crypto.js';
import { type SimApplication, type SimBlock, simBlockHash } from './app.js';
import type { Prng } from './prng.js';
import type { Behaviour, Packet } from './replica.js';

export const BYZANTINE_CLASSES = [
  'equivocate-proposal',
  'double-prevote',
  'double-precommit',
  'invalid-block',
  'forge',
  'replay',
  'withhold',
] as const;
export type ByzantineClass = (typeof BYZANTINE_CLASSES)[number];

interface Deps {
  signer: Signer;
  chainId: string;
  crypto: Crypto;
  prng: Prng;
  app: () => SimApplication;
  keys: readonly string[];
}

const packet = (message: ConsensusMessage): string =>
  JSON.stringify({ kind: 'consensus', message } satisfies Packet);

function halves(prng: Prng, peers: readonly number[]): [number[], number[]] {
  const shuffled = prng.shuffle(peers);
  const middle = Math.ceil(shuffled.length / 2);
  return [shuffled.slice(0, middle), shuffled.slice(middle)];
}

function alternativeProposal(deps: Deps, proposal: Proposal): Proposal {
  const block = proposal.block as unknown as SimBlock;
  const app = deps.app();
  const transactions = block.transactions.slice(0, -1);
  const time = transactions.length === block.transactions.length ? block.time + 1 : block.time;
  const alt: SimBlock = { ...block, transactions, time, stateRoot: app.nextRoot(transactions) };
  const value = alt as unknown as Proposal['block'];
  return signProposal(deps.signer, deps.chainId, {
    height: proposal.height,
    round: proposal.round,
    validRound: proposal.validRound,
    block: value,
    blockHash: simBlockHash(deps.crypto, value),
  });
}

function alternativeVote(deps: Deps, vote: Vote, seen: readonly string[]): Vote {
  const other = seen.find((hash) => hash !== vote.blockHash);
  const blockHash =
    vote.blockHash === null
      ? (other ?? toHex(deps.crypto.sha256(Uint8Array.of(deps.prng.int(256)))))
      : null;
  return signVote(deps.signer, deps.chainId, { ...vote, blockHash });
}

function corrupt(prng: Prng, block: SimBlock, app: SimApplication): SimBlock {
  const applied = [...app.applied];
  switch (prng.int(5)) {
    case 0:
      return { ...block, transactions: [...block.transactions, `bad-${prng.int(1000)}`] };
    case 1:
      return applied.length > 0
        ? { ...block, transactions: [...block.transactions, prng.pick(applied)] }
        : { ...block, invalid: true };
    case 2:
      return { ...block, stateRoot: '11'.repeat(32) };
    case 3:
      return { ...block, previousHash: '22'.repeat(32) };
    default:
      return { ...block, invalid: true };
  }
}

/** A received message, altered so its signature no longer matches, or bytes that are not JSON. */
function forgery(prng: Prng, seen: readonly ConsensusMessage[], keys: readonly string[]): string {
  const base = seen.length > 0 ? prng.pick(seen) : undefined;
  switch (base === undefined ? 3 : prng.int(4)) {
    case 0:
      return packet({ ...base!, signature: `${base!.signature.slice(0, -2)}00` });
    case 1:
      return base!.type === 'proposal'
        ? packet({ ...base!, proposer: prng.pick(keys) })
        : packet({ ...base!, validator: prng.pick(keys) });
    case 2:
      return packet({ ...base!, round: base!.round + 1 });
    default:
      return prng.chance(0.5)
        ? '\u0000{not json'
        : JSON.stringify({ kind: 'consensus', message: { type: 'prevote' } });
  }
}

export function createBehaviour(classes: readonly ByzantineClass[], deps: Deps): Behaviour {
  const has = (name: ByzantineClass) => classes.includes(name);
  const observed: ConsensusMessage[] = [];
  const proposalHashes: string[] = [];
  const { prng } = deps;
  return {
    classes,
    outgoing(message, peers) {
      let targets = [...peers];
      if (has('withhold')) {
        targets = prng.chance(0.3) ? [] : targets.filter(() => prng.chance(0.5));
      }
      const [a, b] = halves(prng, targets);
      let second: ConsensusMessage | undefined;
      if (message.type === 'proposal' && has('equivocate-proposal')) {
        second = alternativeProposal(deps, message);
      } else if (message.type === 'prevote' && has('double-prevote')) {
        second = alternativeVote(deps, message, proposalHashes);
      } else if (message.type === 'precommit' && has('double-precommit')) {
        second = alternativeVote(deps, message, proposalHashes);
      }
      if (second === undefined) {
        return targets.map((to) => ({ to, text: packet(message) }));
      }
      const alt = second;
      return [
        ...a.map((to) => ({ to, text: packet(message) })),
        ...b.map((to) => ({ to, text: packet(alt) })),
      ];
    },
    ...(has('invalid-block')
      ? {
          build: (block: SimBlock, app: SimApplication) =>
            prng.chance(0.7) ? corrupt(prng, block, app) : block,
        }
      : {}),
    observe(message) {
      if (message.type === 'proposal' && !proposalHashes.includes(message.blockHash)) {
        proposalHashes.push(message.blockHash);
        if (proposalHashes.length > 16) {
          proposalHashes.shift();
        }
      }
      if (observed.length < 512) {
        observed.push(message);
      } else {
        observed[prng.int(observed.length)] = message;
      }
    },
    tick(peers) {
      const out: Array<{ to: number; text: string }> = [];
      if (has('replay') && observed.length > 0) {
        for (let i = 0; i < 4; i++) {
          out.push({ to: prng.pick(peers), text: packet(prng.pick(observed)) });
        }
      }
      if (has('forge')) {
        for (let i = 0; i < 2; i++) {
          out.push({ to: prng.pick(peers), text: forgery(prng, observed, deps.keys) });
        }
      }
      return out;
    },
  };
}
