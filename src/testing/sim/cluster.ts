/**
 * A whole cluster in one process: replicas, the packet simulator, simulated disks and time,
 * the workload and the nemesis that injects faults, all driven from one seed. Scenario tests
 * use the Cluster methods directly (crash, partition, submit, runFor); seeded runs go
 * through runSimulation in simulation.ts.
 */

import { sodiumCrypto, sodiumSigner } from '../../node/crypto/sodium-crypto.js';
import type { Validator } from '../../protocol/contracts/engine/types.js';
import { toHex, utf8 } from '../../protocol/core/bytes.js';
import type { Signer } from '../../protocol/core/crypto.js';
import { createBehaviour } from './byzantine.js';
import { StateChecker } from './checker.js';
import { PacketSimulator } from './network.js';
import type { SimOptions } from './options.js';
import { Prng } from './prng.js';
import { type ReplicaHost, SimReplica } from './replica.js';
import { Scheduler } from './scheduler.js';

export const SIM_CHAIN_ID = 'medchain-sim';
const TRACE_LINES_MAX = 80;

const signers: Signer[] = [];
/** Replica keys are fixed per index; sodium keeps secrets in guarded memory, so reuse them. */
function signerFor(index: number): Signer {
  let signer = signers[index];
  if (signer === undefined) {
    signer = sodiumSigner(sodiumCrypto.sha256(utf8(`medchain-sim-node-${index}`)));
    signers[index] = signer;
  }
  return signer;
}

export class Cluster {
  readonly scheduler = new Scheduler();
  readonly network: PacketSimulator;
  readonly replicas: SimReplica[] = [];
  readonly checker: StateChecker;
  readonly trace: string[] = [];
  readonly genesis: Validator[];
  readonly prng: Prng;
  evidence = 0;
  invalidMessages = 0;
  crashes = 0;
  private transactionCount = 0;

  constructor(readonly options: SimOptions) {
    const root = new Prng(options.seed);
    this.prng = root.fork(1);
    const count = options.validators + options.spares;
    const keys = Array.from({ length: count }, (_, i) => toHex(signerFor(i).publicKey));
    this.genesis = options.powers.map((power, i) => ({
      publicKey: keys[i]!,
      organization: `node-${i}`,
      power,
    }));
    const byzantineKeys = new Set(options.byzantine.map((entry) => keys[entry.index]!));
    this.checker = new StateChecker({
      crypto: sodiumCrypto,
      chainId: SIM_CHAIN_ID,
      directory: keys,
      genesis: this.genesis,
      isHonestKey: (key) => keys.includes(key) && !byzantineKeys.has(key),
    });
    this.network = new PacketSimulator(options.network, {
      prng: root.fork(2),
      scheduler: this.scheduler,
      deliver: (to, from, text) => this.replicas[to]?.deliver(from, text),
    });
    const host = this.host(keys);
    for (let i = 0; i < count; i++) {
      this.replicas.push(this.replica(i, keys, host, root.fork(10 + i)));
    }
  }

  private replica(index: number, keys: string[], host: ReplicaHost, prng: Prng): SimReplica {
    const { options } = this;
    const skew = options.clockSkew;
    const drift = skew ? 0.7 + prng.float() * 0.7 : 1;
    const offsetMs = skew ? prng.between(-500, 500) : 0;
    const byzantine = options.byzantine.find((entry) => entry.index === index);
    const signer = signerFor(index);
    let replica: SimReplica | undefined;
    const behaviour =
      byzantine === undefined
        ? undefined
        : createBehaviour(byzantine.classes, {
            signer,
            chainId: SIM_CHAIN_ID,
            crypto: sodiumCrypto,
            prng: prng.fork(99),
            app: () => replica!.app,
            keys,
          });
    const params =
      behaviour === undefined ? { prng, drift, offsetMs } : { prng, drift, offsetMs, behaviour };
    replica = new SimReplica(index, keys[index]!, signer, host, params);
    return replica;
  }

  private host(keys: readonly string[]): ReplicaHost {
    const { options } = this;
    const config =
      options.canary === undefined
        ? { chainId: SIM_CHAIN_ID, timeouts: options.timeouts }
        : { chainId: SIM_CHAIN_ID, timeouts: options.timeouts, canary: options.canary };
    return {
      scheduler: this.scheduler,
      crypto: sodiumCrypto,
      config,
      directory: keys,
      genesis: this.genesis,
      fsyncMs: options.fsyncMs,
      appDelayMs: options.appDelayMs,
      nodeCount: keys.length,
      send: (from, to, text) => this.network.send(from, to, text),
      onCommit: (replica, stored, validators) => {
        this.checker.onCommit(replica, stored, validators);
        this.log(
          `node ${replica.index} commit h=${stored.height} r=${stored.certificate.round} ` +
            `${stored.hash.slice(0, 8)} txs=${stored.block.transactions.length}`,
        );
      },
      onAction: (replica, action) => {
        if (action.type === 'evidence') {
          this.evidence++;
          this.checker.onEvidence(replica, action.evidence);
        } else if (action.type === 'invalidMessage') {
          this.invalidMessages++;
        }
      },
      onRestart: (replica, refused) => {
        this.checker.onRestart(replica);
        this.log(
          refused === undefined
            ? `node ${replica.index} starts`
            : `node ${replica.index} refuses to start: ${refused}`,
        );
      },
    };
  }

  log(line: string): void {
    this.trace.push(`${String(this.scheduler.now).padStart(7)}ms ${line}`);
    if (this.trace.length > TRACE_LINES_MAX) {
      this.trace.shift();
    }
  }

  start(): void {
    for (const replica of this.replicas) {
      replica.boot();
    }
  }

  runFor(durationMs: number): void {
    this.runUntil(this.scheduler.now + durationMs);
  }

  runUntil(time: number, done?: () => boolean): boolean {
    while (this.scheduler.runNext(time)) {
      if (done?.()) {
        return true;
      }
    }
    this.scheduler.now = Math.max(this.scheduler.now, time);
    return done?.() ?? false;
  }

  crash(index: number): void {
    const replica = this.replicas[index]!;
    if (replica.up) {
      replica.crash();
      this.crashes++;
      this.log(`node ${index} crashes`);
    }
  }

  restart(index: number): void {
    const replica = this.replicas[index]!;
    if (!replica.up && replica.refused === undefined) {
      replica.boot();
    }
  }

  partition(groupA: readonly number[], groupB: readonly number[]): void {
    this.network.partition(groupA, groupB);
    this.log(`partition [${groupA}] | [${groupB}]`);
  }

  cutOneWay(senders: readonly number[], receivers: readonly number[]): void {
    this.network.cutOneWay(senders, receivers);
    this.log(`one-way cut [${senders}] -> [${receivers}]`);
  }

  heal(): void {
    this.network.heal();
    this.log('network healed');
  }

  /** A client sends a new transaction to `count` random replicas (or to `to`). */
  submitTransaction(params: { count?: number; to?: readonly number[] } = {}): string {
    const id = `tx-${this.transactionCount++}`;
    this.submit(id, params);
    return id;
  }

  submit(id: string, params: { count?: number; to?: readonly number[] } = {}): void {
    const all = this.replicas.map((replica) => replica.index);
    const to = params.to ?? this.prng.shuffle(all).slice(0, params.count ?? 2);
    for (const index of to) {
      this.replicas[index]!.submit(id);
    }
  }

  /** Submits a transaction every few milliseconds until `untilMs`. */
  workload(untilMs: number): void {
    const next = () => {
      if (this.scheduler.now >= untilMs) {
        return;
      }
      this.submitTransaction({ count: 1 + this.prng.int(3) });
      this.scheduler.after(this.prng.between(10, 40), next);
    };
    next();
  }

  honest(): SimReplica[] {
    return this.replicas.filter((replica) => replica.honest);
  }

  heights(): number[] {
    return this.replicas.map((replica) => replica.height);
  }
}
