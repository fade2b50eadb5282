/**
 * The suite's plan: round lengths and sizes for the full run (the published figures) and
 * for --quick (under a minute, for CI, so the suite never rots). Every size a round uses
 * comes from here, so docs/BENCHMARKS.md can state them.
 */
import type { HealthReadsPlan } from './health-reads.js';

export interface SuitePlan {
  quick: boolean;
  seed: string;
  /**
   * Seconds each round of medchain and of MedRec runs under its controller before it is
   * measured (not the soak, the chain-length round, the maximum-rate ramp or live signing,
   * which report over time or ramp from below).
   */
  warmupS: number;
  /** Outstanding transactions of the fixed-load rounds that look for saturation. */
  fixedLoadLevels: number[];
  fixedLoadS: number;
  /** The fixed-rate round runs at this share of saturation... */
  fixedRateShare: number;
  /** ...for at least this long and this many transactions. */
  fixedRateS: number;
  fixedRateTransactionsMin: number;
  maximumRateS: number;
  mixS: number;
  liveClients: number;
  liveS: number;
  /** Validator counts of the scaling rounds (the demo network has at most four). */
  validatorCounts: number[];
  /** Seconds of the one-validator round among them. */
  validatorsS: number;
  /**
   * Seconds of each of the consortium's saturation rounds: the issue asks for a rate
   * sustained for 60 s, and a 12-s round overstates what the consortium holds for a minute
   * on a growing chain (the latency round at 80% of it then fell behind).
   */
  consortiumS: number;
  /** Transactions prepared per consortium round: its seconds at this rate. */
  consortiumTpsCeiling: number;
  /** The consortium's latency round: fixed-rate at this share of its own saturation... */
  consortiumRateShare: number;
  /** ...for this long. */
  consortiumRateS: number;
  /** Length of each memory soak round (one validator, then four); 0 skips them. */
  soakS: number;
  blockSizes: number[];
  blockSizeS: number;
  /** Transactions of the chain-length round; 0 skips it. */
  growthTransactions: number;
  evmFixedLoad: number;
  evmS: number;
  /** Upper bound on the Hardhat node's rate with interval mining (a quarter for automine). */
  evmTpsCeiling: number;
  /** Also run MedRec's full shape (register, record pointer, permission). */
  evmFullShape: boolean;
  /** Upper bound on medchain's rate, to size pre-signed load-driven rounds. */
  medchainTpsCeiling: number;
  /**
   * The same for the one-validator rounds that run at its best fixed load on the
   * registration or mix workload (the fixed loads, `medchain-validators-1`, the mix and the
   * block sizes): sized for the rate one validator can reach, so that their transactions
   * last the whole round after the warm-up. At 6,000 a validator committing 9,000 tx/s ran
   * out after about 5 of its 12 s, and so short a span was noisy; in the run at `9167d3a`
   * the mix and block-size rounds, still sized at 6,000, measured 28,000–40,000
   * transactions each.
   */
  saturationTpsCeiling: number;
  /** Also measure the Hardhat node with interval mining (blocks every 100 ms). */
  evmIntervalMining: boolean;
  sqliteRecords: number;
  signatureS: number;
  /** Size of the document the vault round uploads and downloads. */
  vaultBytes: number;
  /** The populated chain of the consent-check and FHIR rounds (bench/health-reads.ts). */
  health: Omit<HealthReadsPlan, 'seed'>;
}

export const FULL_PLAN: SuitePlan = {
  quick: false,
  seed: 'bench-1',
  warmupS: 5,
  fixedLoadLevels: [1_000, 4_000, 16_000],
  fixedLoadS: 12,
  fixedRateShare: 0.9,
  fixedRateS: 60,
  fixedRateTransactionsMin: 10_000,
  maximumRateS: 25,
  mixS: 12,
  liveClients: 64,
  liveS: 15,
  validatorCounts: [1, 4],
  validatorsS: 12,
  consortiumS: 60,
  consortiumTpsCeiling: 5_000,
  consortiumRateShare: 0.8,
  consortiumRateS: 60,
  soakS: 0,
  blockSizes: [1_000, 5_000, 10_000],
  blockSizeS: 12,
  growthTransactions: 300_000,
  evmFixedLoad: 256,
  evmS: 20,
  evmTpsCeiling: 2_500,
  evmFullShape: true,
  medchainTpsCeiling: 6_000,
  saturationTpsCeiling: 12_000,
  evmIntervalMining: true,
  sqliteRecords: 200_000,
  signatureS: 2,
  vaultBytes: 1_000_000_000,
  health: {
    patients: 10_000,
    recordsPerPatient: 2,
    grantsPerPatient: 5,
    decisionSamples: 20_000,
    readSamples: 5_000,
    fhirRateRps: 500,
    fhirS: 30,
    fhirWarmupS: 5,
  },
};

export const QUICK_PLAN: SuitePlan = {
  quick: true,
  seed: 'bench-quick',
  // Rounds of 2 s: a warm-up would leave too few transactions to measure.
  warmupS: 0,
  fixedLoadLevels: [4_000],
  fixedLoadS: 2,
  fixedRateShare: 0.9,
  fixedRateS: 2,
  fixedRateTransactionsMin: 1_000,
  maximumRateS: 2,
  mixS: 2,
  liveClients: 16,
  liveS: 2,
  validatorCounts: [4],
  validatorsS: 2,
  consortiumS: 2,
  consortiumTpsCeiling: 3_000,
  consortiumRateShare: 0.8,
  consortiumRateS: 2,
  soakS: 0,
  blockSizes: [],
  blockSizeS: 0,
  growthTransactions: 0,
  evmFixedLoad: 128,
  evmS: 2,
  evmTpsCeiling: 1_600,
  evmFullShape: false,
  medchainTpsCeiling: 3_000,
  saturationTpsCeiling: 3_000,
  evmIntervalMining: false,
  sqliteRecords: 10_000,
  signatureS: 0.3,
  vaultBytes: 50_000_000,
  health: {
    patients: 300,
    recordsPerPatient: 2,
    grantsPerPatient: 5,
    decisionSamples: 2_000,
    readSamples: 500,
    fhirRateRps: 500,
    fhirS: 3,
    fhirWarmupS: 1,
  },
};

/** Transactions to prepare for a round of `seconds` at up to `tpsMax`. */
export function transactionsFor(seconds: number, tpsMax: number): number {
  return Math.ceil(seconds * tpsMax);
}
