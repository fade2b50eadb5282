/**
 * The ratios the issue asks for, computed from a run's rounds: medchain against the
 * MedRec-style contracts and against SQLite for the same registration workload, and
 * medchain against the signature verifications one core can do.
 */
import type { RoundResult } from './round-runner.js';
import type { SignatureLimit } from './signature-limit.js';
import type { Ratio } from './suite-result.js';

export const PENDING = [
  'Validators 7: `medchain init` makes at most four demo organizations, each ' +
    'running one validator; a seven-organization network needs more demo ' +
    'organizations (the rounds take the validator count from the network ' +
    'directory).',
  'Record-anchor and consent workloads: the records and consent modules are in ' +
    'the chain, but their workloads are not written yet (bench/workloads.ts lists ' +
    'them as pending).',
  "medchain against MedRec's full shape (register, add a record pointer, grant a " +
    'viewer): the MedRec-style round runs; the medchain side waits for those ' +
    'workloads.',
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
  return out;
}
