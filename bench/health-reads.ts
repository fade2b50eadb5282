/**
 * Read-side health benchmarks on one populated chain: the vault's consent decision and its
 * authorized read path, and FHIR reads under an open-loop load. The chain is an in-process
 * validator built as `medchain node` builds one (SQLite chain store, engine, state tree)
 * with the real authenticator, gate and HTTP routes, and blocks produced by hand, filled
 * with the health workloads' population: patients, clinicians, record anchors and consent
 * grants (10,000 and 50,000 in full runs). Only its HTTP API serves during the reads.
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createApi } from '../src/node/api/app.js';
import { Authenticator } from '../src/node/api/auth.js';
import { createVaultRoutes } from '../src/node/api/vault-routes.js';
import { sodiumCrypto } from '../src/node/crypto/index.js';
import { createEngine } from '../src/node/runtime/engine.js';
import { silentLogger } from '../src/node/runtime/logger.js';
import { MedchainNode } from '../src/node/runtime/medchain-node.js';
import { nodeBackend } from '../src/node/runtime/node-backend.js';
import { ensureGenesis } from '../src/node/runtime/open-node.js';
import { nodeStateTree } from '../src/node/runtime/state-tree-adapter.js';
import { stateLookup } from '../src/node/runtime/vault-service.js';
import { SqliteChainStore } from '../src/node/storage/sqlite-chain-store.js';
import { createMedchainGate, RECORD_HEADER, VERSION_HEADER } from '../src/node/vault/gate.js';
import { MemoryVaultBackend } from '../src/node/vault/memory-vault-backend.js';
import { toHex } from '../src/protocol/core/bytes.js';
import type { Signer } from '../src/protocol/core/crypto.js';
import { createDemoGenesis } from '../src/protocol/genesis/demo.js';
import { bodySha256Hex, challengeBytes, signRequestHeaders } from '../src/sdk/request-auth.js';
import { streamOf } from '../src/sdk/vault/test-streams.js';
import { derivedBytes } from '../src/testing/workload.js';
import type { FhirLoadRequest, FhirLoadResult } from './fhir-load-client.js';
import {
  anchorFields,
  CLINICAL_ORGANIZATIONS,
  clinicianSigners,
  grantArgs,
  type HealthMember,
  patient,
  populationCalls,
  seedSigner,
  serviceMember,
  spread,
} from './health-workloads.js';
import { signWorkload, type WorkloadCall } from './workloads.js';

export interface HealthReadsPlan {
  seed: string;
  patients: number;
  recordsPerPatient: number;
  grantsPerPatient: number;
  /** Consent decisions timed one by one. */
  decisionSamples: number;
  /** Authorized key-wrap reads timed one by one. */
  readSamples: number;
  fhirRateRps: number;
  fhirS: number;
  /** The same load first, unmeasured: connections opened and the read path compiled. */
  fhirWarmupS: number;
}

export interface LatencyFigures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ConsentCheckResult {
  patients: number;
  records: number;
  grants: number;
  populateS: number;
  /** The consent `check` query over committed state, as the gate runs it. */
  decision: LatencyFigures & { allowed: number; refused: number };
  /** GET of a key wrap through the vault routes: signature, gate, consent, wrap read. */
  readPath: LatencyFigures;
}

export interface FhirReadResult extends LatencyFigures {
  targetRps: number;
  achievedRps: number;
  errors: number;
  statuses: Record<string, number>;
  durationS: number;
  mix: string;
}

export interface HealthReadsResult {
  consent: ConsentCheckResult;
  fhir: FhirReadResult;
}

export function latencyFigures(sortedMs: number[]): LatencyFigures {
  const at = (fraction: number) =>
    sortedMs[
      Math.min(sortedMs.length - 1, Math.max(0, Math.ceil(fraction * sortedMs.length) - 1))
    ] ?? 0;
  return {
    count: sortedMs.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sortedMs.at(-1) ?? 0,
  };
}

/** The bytes stored for record `index`: small, since only their hash is on chain. */
function objectBytes(seed: string, index: number): Uint8Array {
  return derivedBytes(seed, `object-${index}`);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const CHAIN_ID = 'medchain-bench';

/** A validator whose blocks the benchmark produces, on a SQLite store in `dir`. */
interface BenchChain {
  node: MedchainNode;
  /** Hospital, clinic, payer, pharmacy. */
  admins: Signer[];
  clock: { nowMs(): number; advance(ms: number): void };
  close(): void;
}

function createBenchChain(seed: string, dir: string): BenchChain {
  const signer = (label: string) => seedSigner(derivedBytes(seed, label));
  const roles = ['hospital', 'clinic', 'payer', 'pharmacy'] as const;
  const admins = roles.map((role) => signer(`${role}-admin`));
  const validator = signer('validator');
  const validatorKey = toHex(validator.publicKey);
  const keyOf = (index: number) => ({ adminKey: toHex(admins[index]!.publicKey), validatorKey });
  const genesis = createDemoGenesis({
    chainId: CHAIN_ID,
    genesisTime: 1_700_000_000_000,
    keys: { hospital: keyOf(0), clinic: keyOf(1), payer: keyOf(2), pharmacy: keyOf(3) },
  });
  // One validator: the others' organizations stay members without a validator key.
  for (const organization of genesis.organizations.slice(1)) {
    delete (organization as { validatorKey?: string }).validatorKey;
  }
  const store = new SqliteChainStore({ path: join(dir, 'chain.sqlite') });
  const engine = createEngine(sodiumCrypto);
  ensureGenesis({ store, crypto: sodiumCrypto, engine }, genesis);
  let now = genesis.genesisTime;
  const clock = {
    nowMs: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const node = new MedchainNode(
    { chainId: CHAIN_ID, blockTransactionsMax: 10_000, mempoolCapacity: 10_000 },
    {
      store,
      crypto: sodiumCrypto,
      engine,
      tree: nodeStateTree(sodiumCrypto, store),
      validator,
      clock,
      logger: silentLogger,
    },
  );
  return { node, admins, clock, close: () => store.close() };
}

interface Population {
  chain: BenchChain;
  patients: HealthMember[];
  /** Record ids by patient index, with the record's category and anchor index. */
  recordIndex: (patientIndex: number, r: number) => number;
  grants: number;
  records: number;
}

/**
 * Fills the chain in three committed stages: registrations by the admins, anchors by the
 * clinical organizations' service keys, grants by the patients. Mempool-sized blocks.
 */
function populate(plan: HealthReadsPlan, dir: string): Population {
  const chain = createBenchChain(plan.seed, dir);
  const patients = Array.from({ length: plan.patients }, (_, index) => patient(plan.seed, index));
  const services = CLINICAL_ORGANIZATIONS.map((organization) =>
    serviceMember(plan.seed, organization),
  );
  const { admins } = chain;
  const signers: Signer[] = [
    ...admins,
    ...services.map((service) => seedSigner(service.signingSeed)),
    ...patients.map((found) => seedSigner(found.signingSeed)),
  ];
  const serviceSigner = (lane: number) => admins.length + lane;
  const patientSigner = (index: number) => admins.length + services.length + index;
  const nonces = new Array<number>(signers.length).fill(0);
  const clinicians = clinicianSigners(plan.seed);
  const recordIndex = (patientIndex: number, r: number) =>
    patientIndex * plan.recordsPerPatient + r;

  const anchors: WorkloadCall[] = [];
  for (let index = 0; index < plan.patients; index++) {
    for (let r = 0; r < plan.recordsPerPatient; r++) {
      const record = recordIndex(index, r);
      const lane = record % CLINICAL_ORGANIZATIONS.length;
      const organization = CLINICAL_ORGANIZATIONS[lane]!;
      const authors = clinicians.get(organization)!;
      const args = anchorFields({
        seed: plan.seed,
        chainId: CHAIN_ID,
        index: record,
        organization,
        author: authors[record % authors.length]!,
        patient: patients[index]!.id,
        contentHash: sha256Hex(objectBytes(plan.seed, record)),
      });
      anchors.push({
        signer: serviceSigner(lane),
        module: 'records',
        action: 'anchorRecord',
        args: args as never,
      });
    }
  }
  const grants: WorkloadCall[] = [];
  for (let index = 0; index < plan.patients; index++) {
    for (let n = 0; n < plan.grantsPerPatient; n++) {
      const args = grantArgs(plan.seed, patients[index]!.id, n);
      grants.push({
        signer: patientSigner(index),
        module: 'consent',
        action: 'grantConsent',
        args,
      });
    }
  }
  const backend = nodeBackend(chain.node);
  for (const stage of [populationCalls(plan.seed, plan.patients), anchors, grants]) {
    const signed = signWorkload({
      calls: stage,
      signers,
      startNonces: nonces,
      chainId: CHAIN_ID,
      crypto: sodiumCrypto,
    });
    for (const call of stage) {
      nonces[call.signer]! += 1;
    }
    for (let start = 0; start < signed.length; start += 5_000) {
      for (const { transaction } of signed.slice(start, start + 5_000)) {
        const admitted = chain.node.submit(transaction);
        if (!admitted.ok) {
          throw new Error(
            `population refused: ${admitted.problem.code} ${admitted.problem.detail}`,
          );
        }
      }
      // A block also has a byte limit, so it may take more than one to empty the mempool.
      while (chain.node.mempool.size > 0) {
        chain.clock.advance(1_000);
        chain.node.produceBlock();
      }
    }
    // Every transaction committed, and a sample of receipts (every 97th and the last) is ok.
    for (let i = signed.length - 1; i >= 0; i -= 97) {
      const found = backend.transaction(signed[i]!.hash);
      if (found === undefined || found === 'pending' || found.receipt.code !== 0) {
        const why = found === undefined || found === 'pending' ? found : found.receipt.name;
        throw new Error(`population transaction ${i} of a stage: ${String(why)}`);
      }
    }
  }
  return {
    chain,
    patients,
    recordIndex,
    grants: grants.length,
    records: anchors.length,
  };
}

interface Sample {
  accessor: { member: HealthMember; signer: Signer };
  patient: number;
  record: number;
}

/**
 * Who reads what: the grantee of a patient's member grant for treatment, and a record of
 * that patient the grant's scope may or may not cover, so decisions both allow and refuse.
 */
function samples(plan: HealthReadsPlan, population: Population, count: number): Sample[] {
  const clinicians = clinicianSigners(plan.seed);
  const byId = new Map(
    [...clinicians.values()].flat().map((entry) => [entry.member.id, entry] as const),
  );
  const out: Sample[] = [];
  for (let k = 0; out.length < count && k < count * 20; k++) {
    const patientIndex = spread(k, plan.patients);
    const n = k % plan.grantsPerPatient;
    const args = grantArgs(plan.seed, population.patients[patientIndex]!.id, n);
    const accessor = byId.get(String(args.grantee));
    if (args.granteeKind !== 'member' || args.purpose !== 'treatment' || accessor === undefined) {
      continue;
    }
    const record = population.recordIndex(patientIndex, k % plan.recordsPerPatient);
    out.push({ accessor, patient: patientIndex, record });
  }
  return out;
}

function timeEach<T>(items: T[], run: (item: T) => void): number[] {
  const out: number[] = [];
  for (const item of items) {
    const started = performance.now();
    run(item);
    out.push(performance.now() - started);
  }
  return out.sort((a, b) => a - b);
}

const recordId = (seed: string, index: number) =>
  `rec-${seed}-${index}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');

async function consentCheck(
  plan: HealthReadsPlan,
  population: Population,
  populateS: number,
): Promise<{ result: ConsentCheckResult; reads: Sample[] }> {
  const { chain } = population;
  const lookup = stateLookup(chain.node);
  const time = String(chain.clock.nowMs());
  const decisions = samples(plan, population, plan.decisionSamples);
  let allowed = 0;
  const allowedSamples: Sample[] = [];
  // Warm up the engine's code paths so the figures are of the steady state.
  for (const sample of decisions.slice(0, 200)) {
    lookup('consent', 'check', {
      accessor: sample.accessor.member.id,
      record: recordId(plan.seed, sample.record),
      purpose: 'treatment',
      time,
    });
  }
  const decisionMs = timeEach(decisions, (sample) => {
    const answer = lookup('consent', 'check', {
      accessor: sample.accessor.member.id,
      record: recordId(plan.seed, sample.record),
      version: '1',
      purpose: 'treatment',
      time,
    });
    if (answer !== null) {
      allowed += 1;
      allowedSamples.push(sample);
    }
  });
  const readPath = await authorizedReads(plan, population, allowedSamples);
  return {
    result: {
      patients: plan.patients,
      records: population.records,
      grants: population.grants,
      populateS,
      decision: { ...latencyFigures(decisionMs), allowed, refused: decisions.length - allowed },
      readPath,
    },
    reads: allowedSamples,
  };
}

/**
 * The vault's read path without the document: a signed GET of the reader's key wrap goes
 * through authentication (Ed25519 over the request), the gate (anchor lookup, consent
 * check at the latest block time) and the wrap read. In process, so no socket time.
 */
async function authorizedReads(
  plan: HealthReadsPlan,
  population: Population,
  allowed: Sample[],
): Promise<LatencyFigures> {
  const { chain } = population;
  const lookup = stateLookup(chain.node);
  const backend = new MemoryVaultBackend();
  const authenticator = new Authenticator({
    lookup,
    verify: (publicKey, message, signature) =>
      sodiumCrypto.verifyEd25519(signature, message, publicKey),
  });
  const reads = allowed.slice(0, plan.readSamples);
  const requests: { hash: string; path: string; headers: Record<string, string> }[] = [];
  for (const sample of reads) {
    const hash = sha256Hex(objectBytes(plan.seed, sample.record));
    await backend.putObject(streamOf(objectBytes(plan.seed, sample.record)));
    const recipient = sample.accessor.member.encryptionKey;
    await backend.putKeyWrap({ hash, recipient }, new Uint8Array(81));
    requests.push({ hash, path: `/v1/vault/objects/${hash}/keys/${recipient}`, headers: {} });
  }
  // The custodian is the record's organization: one gate per organization, as each node has.
  const apps = new Map<string, ReturnType<typeof createVaultRoutes>>();
  const appFor = (custodian: string) => {
    let app = apps.get(custodian);
    if (app === undefined) {
      app = createVaultRoutes({
        backend,
        gate: createMedchainGate({
          authenticator,
          lookup,
          latestTime: () => chain.clock.nowMs(),
          organization: custodian,
          submitAudit: async () => ({ code: -1, name: 'unused', message: 'not audited' }),
        }),
      });
      apps.set(custodian, app);
    }
    return app;
  };
  const custodians = reads.map((sample) => {
    const head = lookup('records', 'record', { id: recordId(plan.seed, sample.record) }) as {
      custodian: string;
    } | null;
    return head?.custodian ?? '';
  });
  // Signed just before they are sent: the authenticator's replay window is a minute.
  const signedAll = reads.map((sample, i) => {
    const request = requests[i]!;
    request.headers = {
      ...signRequestHeaders(sample.accessor.signer, {
        method: 'GET',
        pathAndQuery: request.path,
        bodySha256: bodySha256Hex(undefined),
      }),
      [RECORD_HEADER]: recordId(plan.seed, sample.record),
      [VERSION_HEADER]: '1',
    };
    return request;
  });
  const times: number[] = [];
  for (let i = 0; i < signedAll.length; i++) {
    const request = signedAll[i]!;
    const app = appFor(custodians[i]!);
    const started = performance.now();
    const response = await app.request(`http://node${request.path}`, { headers: request.headers });
    await response.arrayBuffer();
    times.push(performance.now() - started);
    if (response.status !== 200) {
      throw new Error(`authorized read answered ${response.status}: ${await response.text()}`);
    }
  }
  return latencyFigures(times.sort((a, b) => a - b));
}

/** Bearer tokens for the readers, from the same challenge and signature a client uses. */
function tokenFor(authenticator: Authenticator, signer: Signer): string {
  const publicKey = toHex(signer.publicKey);
  const { challenge } = authenticator.challenge(publicKey);
  const signature = toHex(signer.sign(challengeBytes(challenge)));
  const issued = authenticator.issueToken({ publicKey, challenge, signature });
  if (!issued.ok) {
    throw new Error(`token refused: ${issued.reason}`);
  }
  return issued.token;
}

function loadClient(load: FhirLoadRequest): Promise<FhirLoadResult> {
  const path = fileURLToPath(import.meta.url).replace(
    /health-reads\.(ts|js)$/,
    (_, extension) => `fhir-load-client.${extension}`,
  );
  const child = fork(path, ['--fhir-load-client'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(new Error('FHIR load client: no answer in time'));
      },
      (load.durationS + 120) * 1000,
    );
    child.once('message', (message: { ok: boolean; result?: FhirLoadResult; error?: string }) => {
      clearTimeout(timer);
      message.ok ? resolve(message.result!) : reject(new Error(message.error));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`FHIR load client exited (${code})`));
    });
    child.send(load);
  });
}

/**
 * Authenticated FHIR reads at a fixed rate against the node's HTTP API: half read a
 * DocumentReference by id, half search a patient's DocumentReferences; each reader is a
 * clinician with a grant from that patient, so the facade runs the consent check.
 */
async function fhirReads(
  plan: HealthReadsPlan,
  population: Population,
  reads: Sample[],
): Promise<FhirReadResult> {
  const { chain } = population;
  const authenticator = new Authenticator({
    lookup: stateLookup(chain.node),
    verify: (publicKey, message, signature) =>
      sodiumCrypto.verifyEd25519(signature, message, publicKey),
  });
  const app = createApi(nodeBackend(chain.node), { authenticator });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started),
    );
  });
  try {
    const { port } = server.address() as AddressInfo;
    const tokens = new Map<string, string>();
    const token = (sample: Sample) => {
      let found = tokens.get(sample.accessor.member.id);
      if (found === undefined) {
        found = tokenFor(authenticator, sample.accessor.signer);
        tokens.set(sample.accessor.member.id, found);
      }
      return found;
    };
    const requests = reads.map((sample, i) => ({
      path:
        i % 2 === 0
          ? `/fhir/R4/DocumentReference/${recordId(plan.seed, sample.record)}`
          : `/fhir/R4/DocumentReference?patient=Patient/${population.patients[sample.patient]!.id}`,
      token: token(sample),
    }));
    const load = await loadClient({
      url: `http://127.0.0.1:${port}`,
      requests,
      rateRps: plan.fhirRateRps,
      durationS: plan.fhirS,
      warmupS: plan.fhirWarmupS,
      connections: 64,
    });
    return {
      ...latencyFigures(load.latenciesMs),
      targetRps: plan.fhirRateRps,
      achievedRps: load.completed / Math.max(0.001, load.spanS),
      errors: load.errors,
      statuses: load.statuses,
      durationS: load.spanS,
      mix: 'DocumentReference: half read by id, half search by patient',
    };
  } finally {
    server.close();
  }
}

export async function healthReads(
  plan: HealthReadsPlan,
  log: (line: string) => void,
): Promise<HealthReadsResult> {
  const started = performance.now();
  log(
    `populating: ${plan.patients} patients, ${plan.patients * plan.recordsPerPatient} records, ` +
      `${plan.patients * plan.grantsPerPatient} grants`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'medchain-health-reads-'));
  try {
    return await measureReads(plan, dir, started, log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureReads(
  plan: HealthReadsPlan,
  dir: string,
  started: number,
  log: (line: string) => void,
): Promise<HealthReadsResult> {
  const population = populate(plan, dir);
  const populateS = (performance.now() - started) / 1000;
  log(`  populated in ${populateS.toFixed(1)} s; timing consent decisions`);
  const { result: consent, reads } = await consentCheck(plan, population, populateS);
  log(
    `  consent decision p50 ${consent.decision.p50Ms.toFixed(3)} ms, p99 ` +
      `${consent.decision.p99Ms.toFixed(3)} ms; authorized read p99 ` +
      `${consent.readPath.p99Ms.toFixed(3)} ms`,
  );
  log(`  FHIR reads at ${plan.fhirRateRps}/s for ${plan.fhirS} s`);
  const fhir = await fhirReads(plan, population, reads);
  log(
    `  FHIR: ${fhir.achievedRps.toFixed(0)} req/s, p50 ${fhir.p50Ms.toFixed(2)} ms, ` +
      `p99 ${fhir.p99Ms.toFixed(2)} ms, max ${fhir.maxMs.toFixed(1)} ms, ${fhir.errors} errors`,
  );
  population.chain.close();
  return { consent, fhir };
}
