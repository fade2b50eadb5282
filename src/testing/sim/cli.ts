/**
 * `npm run sim -- --seed N` replays one seeded run bit for bit; `--seeds K [--from S]` runs
 * K seeds (the soak); `--canary quorum-one-third|skip-lock-check` breaks a rule on purpose
 * and should make runs fail. Prints SEED= first, one line per seed with its fault classes,
 * and on failure the invariant, the message and the trace of the last events.
 */
import type { Canary } from '../../protocol/consensus/types.js';
import { sampleOptions } from './options.js';
import { runSimulation, type SimReport } from './simulation.js';

interface Arguments {
  seed?: number;
  seeds?: number;
  from: number;
  canary?: Canary;
  verbose: boolean;
}

function parse(argv: readonly string[]): Arguments {
  const out: Arguments = { from: 0, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (name === '--seed') {
      out.seed = Number(value);
      i++;
    } else if (name === '--seeds') {
      out.seeds = Number(value);
      i++;
    } else if (name === '--from') {
      out.from = Number(value);
      i++;
    } else if (name === '--canary') {
      out.canary = value as Canary;
      i++;
    } else if (name === '--verbose') {
      out.verbose = true;
    } else {
      throw new Error(`unknown argument ${name}`);
    }
  }
  return out;
}

function line(report: SimReport): string {
  const status = report.ok ? 'ok  ' : `FAIL ${report.failure?.invariant}`;
  const heights = report.heights.join(',');
  const classes = report.classes.join(' ') || 'none';
  return (
    `seed=${report.seed} ${status} n=${report.validators} byz=${report.byzantine} ` +
    `heights=${heights} converged=${report.convergedMs}ms faults: ${classes}`
  );
}

function runOne(seed: number, args: Arguments): SimReport {
  const sampled = sampleOptions(seed);
  const options = args.canary === undefined ? sampled : { ...sampled, canary: args.canary };
  const report = runSimulation(options);
  console.log(line(report));
  if (!report.ok || args.verbose) {
    if (report.failure !== undefined) {
      console.log(`  at ${report.failure.timeMs}ms: ${report.failure.message}`);
    }
    console.log(`  stats: ${JSON.stringify(report.stats)}`);
    console.log(`  trace (last events):\n    ${report.trace.join('\n    ')}`);
  }
  return report;
}

function main(): void {
  const args = parse(process.argv.slice(2));
  const first =
    args.seed ?? (args.seeds === undefined ? Math.floor(Math.random() * 2 ** 31) : args.from);
  console.log(`SEED=${first}`);
  if (args.seeds === undefined) {
    process.exitCode = runOne(first, args).ok ? 0 : 1;
    return;
  }
  const started = performance.now();
  const failed: number[] = [];
  for (let seed = first; seed < first + args.seeds; seed++) {
    if (!runOne(seed, args).ok) {
      failed.push(seed);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${args.seeds - failed.length}/${args.seeds} seeds passed in ${seconds}s`);
  if (failed.length > 0) {
    console.log(`failed seeds: ${failed.join(' ')}`);
    process.exitCode = 1;
  }
}

main();
