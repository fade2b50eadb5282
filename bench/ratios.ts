/**
 * The ratios the issue asks for, computed from a run's rounds: medchain against the
 * MedRec-style contracts and against SQLite for the same registration workload, medchain
 * against the signature verifications one core can do, and the health-records figures
 * against their targets (vault MB/s, consent and FHIR p99).
 */
import type { RoundResult } from './round-runner.js';
import type { SignatureLimit } from './signature-limit.js';
import type { HealthFigures, Ratio } from './suite-result.js';

/** The health-records issue's targets. */
export const HEALTH_TARGETS = {
  vaultMegabytesPerSecond: 300,
  vaultRssGrowthBytes: 100_000_000,
  consentP99Ms: 5,
  fhirP99Ms: 20,
  fhirRateRps: 500,
};

export const PENDING = [
  'Validators 7: `medchain init` makes at most four demo organizations, each ' +
    'running one validator; a seven-organization network needs more demo ' +
    'organizations (the rounds take the validator count from the network ' +
    'directory).',
  "medchain against MedRec's full shape (register, add a record pointer, grant a " +
    'viewer) as one ratio: both sides run here (medchain-record-anchors, ' +
    'medchain-consent, medrec-records-and-permissions-*), but medchain splits the shape ' +
    'into two workloads with their members registered beforehand, so no single ' +
    'like-for-like ratio is computed yet.',
  'The consent-check and FHIR reads run on an in-process validator (SQLite) that commits ' +
    'nothing while they are timed; the same reads on a node under transaction load are not ' +
    'measured yet.',
];

function best(
  rounds: RoundResult[],
  filter: (round: RoundResult) => boolean,
): RoundResult | undefined {
  return rounds.filter(filter).sort((a, b) => b.throughputTps - a.throughputTps)[0];
}

function ratio(numerator: number | undefined, denominator: number | undefined): number | undefined {
  return numerator === undefined || denominator === undefined || denominator === 0
    ? undefined
    : numerator / denominator;
}

export function ratiosOf(params: {
  rounds: RoundResult[];
  saturationTps: number | undefined;
  limits: SignatureLimit[];
  health?: HealthFigures;
}): Ratio[] {
  const { rounds, saturationTps } = params;
  const medrec = best(
    rounds,
    (round) => round.system === 'medrec' && round.workload === 'registration',
  );
  const sqliteBatched = rounds.find((round) => round.name === 'sqlite-batched');
  const sqlitePerRecord = rounds.find((round) => round.name === 'sqlite-per-record');
  const saturation = Math.round(saturationTps ?? 0);
  const medchain = `medchain saturation (best fixed-load registration round), ${saturation} tx/s`;
  const tps = (round: RoundResult | undefined) => `${Math.round(round?.throughputTps ?? 0)} tx/s`;
  const out: Ratio[] = [
    {
      name: 'medchain / MedRec-style on Hardhat (registration)',
      value: ratio(saturationTps, medrec?.throughputTps),
      numerator: medchain,
      denominator: `best MedRec registration round (${medrec?.name ?? 'none'}), ${tps(medrec)}`,
      target: 'at least 10×',
    },
    {
      name: 'medchain / SQLite, write batches of 1,000',
      value: ratio(saturationTps, sqliteBatched?.throughputTps),
      numerator: medchain,
      denominator: `SQLite batched inserts, ${tps(sqliteBatched)}`,
      target: 'at least 0.125 (one eighth)',
    },
    {
      name: 'medchain / SQLite, one write batch per record',
      value: ratio(saturationTps, sqlitePerRecord?.throughputTps),
      numerator: medchain,
      denominator: `SQLite per-record commits, ${tps(sqlitePerRecord)}`,
    },
  ];
  for (const limit of params.limits) {
    out.push({
      name: `medchain / ${limit.implementation} verifications per core`,
      value: ratio(saturationTps, limit.verificationsPerSecond),
      numerator: medchain,
      denominator: `${Math.round(limit.verificationsPerSecond)} verifications/s on one core`,
    });
  }
  return [
    ...out,
    ...throughputTargets(rounds, saturationTps),
    ...healthRatios(params.health ?? {}),
  ];
}

/** The foundation's and the consortium's throughput targets, and the signature ceiling. */
export const THROUGHPUT_TARGETS = {
  singleValidatorTps: 10_000,
  singleValidatorRssMiB: 300,
  consortiumTps: 4_000,
  consortiumP99S: 1,
  consortiumRssMiB: 512,
  /** Four validators on two cores each verify every signature: 2 × 19,000 / 4. */
  consortiumSignatureCeilingTps: 9_600,
};

function throughputTargets(rounds: RoundResult[], saturationTps: number | undefined): Ratio[] {
  const targets = THROUGHPUT_TARGETS;
  const out: Ratio[] = [];
  const single = rounds.find((round) => round.name.startsWith('medchain-fixed-rate-'));
  if (saturationTps !== undefined && saturationTps > 0) {
    const rss = single?.memory?.largestPeakMiB;
    out.push({
      name: 'one validator / target',
      value: saturationTps / targets.singleValidatorTps,
      numerator:
        `saturation ${Math.round(saturationTps)} tx/s; at ${single?.name ?? 'n/a'} ` +
        `${Math.round(single?.throughputTps ?? 0)} tx/s, p99 ` +
        `${single?.latency.p99S.toFixed(2) ?? 'n/a'} s, validator peak RSS ` +
        `${rss === undefined ? 'n/a' : Math.round(rss)} MiB`,
      denominator: `${targets.singleValidatorTps} tx/s`,
      target: `at least 1, resident memory under ${targets.singleValidatorRssMiB} MB`,
    });
  }
  // The consortium's best fixed-load round (medchain-suite.ts, consortiumSaturation).
  const saturation = rounds
    .filter((round) => /^medchain-validators-[2-9]\d*-load-\d+$/.test(round.name))
    .reduce<RoundResult | undefined>(
      (best, round) =>
        best === undefined || round.throughputTps > best.throughputTps ? round : best,
      undefined,
    );
  const rated = rounds.find((round) => /^medchain-validators-\d+-rate-/.test(round.name));
  if (saturation !== undefined) {
    out.push({
      name: `${saturation.name.replace(/-load-\d+$/, '')} / signature ceiling`,
      value: saturation.throughputTps / targets.consortiumSignatureCeilingTps,
      numerator: `${Math.round(saturation.throughputTps)} tx/s at saturation (${saturation.name})`,
      denominator:
        `${targets.consortiumSignatureCeilingTps} tx/s (every validator verifies every ` +
        'signature: 2 cores × ~19,000 verifications/s ÷ 4)',
    });
  }
  if (rated !== undefined) {
    const rss = rated.memory?.largestPeakMiB;
    out.push({
      name: `${rated.name} / target`,
      value: rated.throughputTps / targets.consortiumTps,
      numerator:
        `${Math.round(rated.throughputTps)} tx/s, p99 ${rated.latency.p99S.toFixed(2)} s, ` +
        `largest validator peak RSS ${rss === undefined ? 'n/a' : Math.round(rss)} MiB`,
      denominator: `${targets.consortiumTps} tx/s`,
      target:
        `at least 1 with p99 at most ${targets.consortiumP99S} s; each validator under ` +
        `${targets.consortiumRssMiB} MB`,
    });
  }
  return out;
}

const ms = (value: number) => `${value.toFixed(value < 1 ? 3 : 2)} ms`;

/** Each health figure over its target: at least 1 for rates, at most 1 for latencies. */
function healthRatios(health: HealthFigures): Ratio[] {
  const out: Ratio[] = [];
  const targets = HEALTH_TARGETS;
  if (health.vault !== undefined) {
    const { bytes } = health.vault;
    for (const name of ['upload', 'download'] as const) {
      const phase = health.vault[name];
      const rssMb = (value: number) => (value / 1e6).toFixed(0);
      out.push({
        name: `vault encrypted ${name} / target`,
        value: phase.megabytesPerSecond / targets.vaultMegabytesPerSecond,
        numerator:
          `${phase.megabytesPerSecond.toFixed(0)} MB/s for ${bytes / 1e6} MB; RSS growth ` +
          `client ${rssMb(phase.clientRssGrowthBytes)} MB, ` +
          `node ${rssMb(phase.serverRssGrowthBytes)} MB`,
        denominator: `${targets.vaultMegabytesPerSecond} MB/s`,
        target: `at least 1, each RSS growth under ${targets.vaultRssGrowthBytes / 1e6} MB`,
      });
    }
  }
  if (health.consent !== undefined) {
    const { decision, readPath, patients, grants } = health.consent;
    const chain = `${patients} patients, ${grants} grants`;
    out.push({
      name: 'consent decision p99 / target',
      value: decision.p99Ms / targets.consentP99Ms,
      numerator: `p99 ${ms(decision.p99Ms)} (p50 ${ms(decision.p50Ms)}), ${chain}`,
      denominator: `${targets.consentP99Ms} ms`,
      target: 'at most 1',
    });
    out.push({
      name: 'vault authorized read (no document bytes) p99 / target',
      value: readPath.p99Ms / targets.consentP99Ms,
      numerator: `p99 ${ms(readPath.p99Ms)} (p50 ${ms(readPath.p50Ms)}), ${chain}`,
      denominator: `${targets.consentP99Ms} ms`,
      target: 'at most 1',
    });
  }
  if (health.fhir !== undefined) {
    const fhir = health.fhir;
    out.push({
      name: `FHIR read p99 at ${fhir.targetRps} req/s / target`,
      value: fhir.p99Ms / targets.fhirP99Ms,
      numerator:
        `p99 ${ms(fhir.p99Ms)} (p50 ${ms(fhir.p50Ms)}, max ${ms(fhir.maxMs)}), ` +
        `${fhir.achievedRps.toFixed(0)} req/s achieved, ${fhir.errors} errors`,
      denominator: `${targets.fhirP99Ms} ms`,
      target: `at most 1, at ${targets.fhirRateRps} req/s`,
    });
  }
  return out;
}
