/**
 * `npm run bench`: the benchmark suite. Caliper-style rounds against medchain, the same
 * workload on MedRec-style contracts on a Hardhat node and straight into SQLite, the
 * signature-verification limit of this machine, the health-records targets (vault streaming,
 * consent decisions, FHIR reads), then JSON, an SVG chart and the results section of
 * docs/BENCHMARKS.md. `-- --quick` runs in under a minute for CI.
 *
 *   npm run bench                  full run; rewrites docs/BENCHMARKS.md's results section
 *   npm run bench -- --quick       short rounds; writes $TMPDIR/medchain-bench/quick.*
 *   npm run bench -- --soak        also a ten-minute consortium round for memory (--soak=S)
 *   options: --no-docs, --write-docs, --only=medchain,medrec,sqlite,signatures,vault,health
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileMedRec } from './baselines/medrec/medrec.js';
import { medrecRounds } from './baselines/medrec/rounds.js';
import { sqliteRounds } from './baselines/sqlite-baseline.js';
import { healthReads } from './health-reads.js';
import { repositoryRoot } from './medchain-network.js';
import { medchainSuite } from './medchain-suite.js';
import { FULL_PLAN, QUICK_PLAN, type SuitePlan } from './plan.js';
import { PENDING, ratiosOf } from './ratios.js';
import { chartSvg, resultsMarkdown, roundsTable, writeResultsIntoDocs } from './report.js';
import type { RoundResult } from './round-runner.js';
import { signatureLimits } from './signature-limit.js';
import type { HealthFigures, SuiteResult } from './suite-result.js';
import { machineInfo, OtherWork } from './system.js';
import { runVaultBench } from './vault.bench.js';

const PARTS = ['signatures', 'sqlite', 'vault', 'health', 'medchain', 'medrec'] as const;
type Part = (typeof PARTS)[number];

interface Arguments {
  plan: SuitePlan;
  writeDocs: boolean;
  parts: Set<Part>;
}

function parseArguments(argv: string[]): Arguments {
  const quick = argv.includes('--quick');
  const only = argv.find((argument) => argument.startsWith('--only='));
  const parts = new Set<Part>(
    only === undefined ? PARTS : (only.slice('--only='.length).split(',') as Part[]),
  );
  for (const part of parts) {
    if (!PARTS.includes(part)) {
      throw new Error(`--only: unknown part "${part}" (known: ${PARTS.join(', ')})`);
    }
  }
  const complete = parts.size === PARTS.length;
  const writeDocs =
    argv.includes('--write-docs') || (!quick && complete && !argv.includes('--no-docs'));
  const soak = argv.find((argument) => argument === '--soak' || argument.startsWith('--soak='));
  const plan = { ...(quick ? QUICK_PLAN : FULL_PLAN) };
  if (soak !== undefined) {
    plan.soakS = soak === '--soak' ? 600 : Number(soak.slice('--soak='.length));
    if (!Number.isFinite(plan.soakS) || plan.soakS <= 0) {
      throw new Error(`--soak: expected seconds, got "${soak}"`);
    }
  }
  return { plan, writeDocs, parts };
}

const suiteStarted = performance.now();
const log = (line: string) => {
  const elapsed = ((performance.now() - suiteStarted) / 1000).toFixed(0).padStart(4);
  console.log(line.startsWith('\n') || line.startsWith('|') ? line : `[${elapsed} s] ${line}`);
};

async function measure(
  args: Arguments,
): Promise<Omit<SuiteResult, 'machine' | 'durationS' | 'loadAverageEnd'>> {
  const { plan, parts } = args;
  const rounds: RoundResult[] = [];
  const problems: string[] = [];
  const limits = parts.has('signatures') ? signatureLimits(plan.signatureS) : [];
  for (const limit of limits) {
    log(
      `${limit.implementation}: ${Math.round(limit.verificationsPerSecond)} verifications/s/core`,
    );
  }
  if (parts.has('sqlite')) {
    log('round sqlite');
    rounds.push(...sqliteRounds(plan.seed, plan.sqliteRecords));
  }
  const health = await healthParts(args, problems);
  let saturationTps: number | undefined;
  let growth: SuiteResult['growth'] = [];
  if (parts.has('medchain')) {
    const medchain = await medchainSuite(plan, log);
    rounds.push(...medchain.rounds);
    saturationTps = medchain.saturationTps;
    growth = medchain.growth;
  }
  if (parts.has('medrec')) {
    log('round medrec (compiling MedRec.sol)');
    rounds.push(...(await medrecWithRetry(plan, compileMedRec(), problems)));
  }
  problems.push(
    ...rounds.flatMap((round) => {
      if (round.succeeded === 0) {
        return [`${round.name}: no transaction succeeded`];
      }
      return round.failed > 0
        ? [`${round.name}: ${round.failed} transactions failed ${JSON.stringify(round.rejections)}`]
        : [];
    }),
  );
  const ratios = ratiosOf({ rounds, saturationTps, limits, health });
  return {
    plan,
    rounds,
    saturationTps,
    signatureLimits: limits,
    growth,
    health,
    ratios,
    pending: PENDING,
    problems,
  };
}

/**
 * The baseline's rounds, run again once if its Hardhat node fails under them: a baseline
 * that falls over must not cost the whole suite's figures. A second failure is a problem.
 */
async function medrecWithRetry(
  plan: SuitePlan,
  compiled: ReturnType<typeof compileMedRec>,
  problems: string[],
): Promise<RoundResult[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await medrecRounds(plan, compiled);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (attempt === 2) {
        problems.push(`medrec: ${reason}`);
        return [];
      }
      log(`  medrec failed (${reason}); running it again`);
    }
  }
}

/** Vault streaming, then the consent decision and FHIR reads on one populated chain. */
async function healthParts(args: Arguments, problems: string[]): Promise<HealthFigures> {
  const { plan, parts } = args;
  const health: HealthFigures = {};
  if (parts.has('vault')) {
    log(`vault: ${plan.vaultBytes / 1e6} MB encrypted upload and download`);
    health.vault = await runVaultBench(plan.vaultBytes);
    const { upload, download } = health.vault;
    log(
      `  upload ${upload.megabytesPerSecond.toFixed(0)} MB/s, ` +
        `download ${download.megabytesPerSecond.toFixed(0)} MB/s`,
    );
  }
  if (parts.has('health')) {
    log('health reads: consent decisions and FHIR reads on a populated chain');
    const { consent, fhir } = await healthReads({ seed: plan.seed, ...plan.health }, log);
    health.consent = consent;
    health.fhir = fhir;
    if (fhir.errors > 0) {
      problems.push(`FHIR reads: ${fhir.errors} errors ${JSON.stringify(fhir.statuses)}`);
    }
  }
  return health;
}

function write(args: Arguments, result: SuiteResult): void {
  const root = repositoryRoot();
  // Quick runs (CI) leave the repository untouched; full runs publish bench/results/latest.*.
  const name = args.plan.quick ? 'quick' : 'latest';
  const resultsDir = args.plan.quick
    ? join(tmpdir(), 'medchain-bench')
    : join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const mode = args.plan.quick ? 'quick' : 'full';
  const title = `medchain benchmark, ${mode} run, commit ${result.machine.commit}`;
  writeFileSync(join(resultsDir, `${name}.svg`), chartSvg(result.rounds, title));
  log(`\nwrote ${join(resultsDir, `${name}.json`)} and ${name}.svg beside it`);
  if (args.writeDocs) {
    const markdown = resultsMarkdown(result, `../bench/results/${name}.svg`);
    if (!writeResultsIntoDocs(join(root, 'docs', 'BENCHMARKS.md'), markdown)) {
      throw new Error('docs/BENCHMARKS.md has no results markers; results not written there');
    }
    log('wrote the results section of docs/BENCHMARKS.md');
  }
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const started = performance.now();
  const machine = machineInfo(repositoryRoot());
  const otherWork = OtherWork.start();
  log(
    `medchain bench (${args.plan.quick ? 'quick' : 'full'}): ${machine.cores} cores, ` +
      `${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}, ` +
      `commit ${machine.commit}`,
  );
  const measured = await measure(args);
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  const otherWorkShare = otherWork?.stop();
  const result: SuiteResult = {
    machine,
    ...measured,
    loadAverageEnd: [one, five, fifteen].map((value) => Math.round(value * 100) / 100) as [
      number,
      number,
      number,
    ],
    ...(otherWorkShare === undefined
      ? {}
      : { otherWorkShare: Math.round(otherWorkShare * 1000) / 1000 }),
    durationS: (performance.now() - started) / 1000,
  };
  log(`\n${roundsTable(result.rounds)}\n`);
  for (const ratio of result.ratios) {
    log(`${ratio.name}: ${ratio.value === undefined ? 'not measured' : ratio.value.toFixed(3)}`);
  }
  write(args, result);
  if (result.problems.length > 0) {
    throw new Error(`problems:\n${result.problems.join('\n')}`);
  }
  log(`done in ${Math.round(result.durationS)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
