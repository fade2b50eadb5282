/**
 * `medchain verify`: audit a node's data directory offline. Exits 0 when every block
 * re-hashes, re-verifies and re-executes to the same roots; otherwise exits 1 naming the
 * first height that does not match.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { cryptoFromEnvironment } from '../../crypto/index.js';
import { auditDatabase } from '../../runtime/audit.js';
import { createEngine } from '../../runtime/engine.js';
import { isNetworkDirectory, readNetworkFile } from '../../runtime/network-directory.js';
import { addExamples, addJsonOption, CliError, ProgressBar, printJson } from '../output.js';

/** A node directory, a network directory (its first node), or a database file. */
function databasePath(target: string): string {
  if (existsSync(target) && statSync(target).isFile()) {
    return target;
  }
  const candidates = [join(target, 'chain.sqlite')];
  if (isNetworkDirectory(target)) {
    const first = readNetworkFile(target).nodes[0];
    if (first !== undefined) {
      candidates.push(join(target, 'nodes', first.name, 'chain.sqlite'));
    }
  }
  candidates.push(join(target, 'nodes', 'hospital', 'chain.sqlite'));
  for (const candidate of candidates) {
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw new CliError('not_found', `no chain database at ${target} (expected chain.sqlite)`);
}

export function register(program: Command): void {
  const command = program
    .command('verify')
    .description("audit a node's data directory offline: hashes, signatures, re-execution")
    .argument('[path]', 'node directory, network directory or chain.sqlite', './.medchain')
    .action((target: string, options: { json: boolean }) => {
      const path = databasePath(target);
      const crypto = cryptoFromEnvironment();
      let progress: ProgressBar | undefined;
      const report = auditDatabase(path, {
        crypto,
        engine: createEngine(crypto),
        onProgress(height, total) {
          progress ??= new ProgressBar({ total, label: 'verifying' });
          progress.update(height);
        },
      });
      progress?.finish();
      if (options.json) {
        printJson(report);
      } else if (report.ok) {
        process.stdout.write(
          `ok: ${report.blocksChecked} blocks and ${report.transactionsChecked} transactions ` +
            `verified up to height ${report.height}\n`,
        );
      } else {
        process.stdout.write(
          `FAILED at height ${report.failedHeight}: ${report.reason}\n` +
            `(${report.blocksChecked} blocks before it verified)\n`,
        );
      }
      if (!report.ok) {
        process.exitCode = 1;
      }
    });
  addJsonOption(command);
  addExamples(command, [
    'medchain verify',
    'medchain verify ./net/nodes/hospital',
    'medchain verify chain.sqlite --json',
  ]);
}
