/**
 * The `medchain` command line. Each command lives in commands/<name>.ts and registers
 * itself; this file wires them, sets the common behaviour (exit statuses, error format),
 * and runs. Importing it runs the CLI: bin/medchain.js relies on that.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { register as registerAccess } from './commands/access.js';
import { register as registerBlock } from './commands/block.js';
import { register as registerBreakGlass } from './commands/break-glass.js';
import { register as registerConsent } from './commands/consent.js';
import { register as registerErase } from './commands/erase.js';
import { register as registerImport } from './commands/import.js';
import { register as registerInit } from './commands/init.js';
import { register as registerKeys } from './commands/keys.js';
import { register as registerMember } from './commands/member.js';
import { register as registerQuery } from './commands/query.js';
import { register as registerRecord } from './commands/record.js';
import { register as registerStatus } from './commands/status.js';
import { register as registerTx } from './commands/tx.js';
import { register as registerUp } from './commands/up.js';
import { register as registerVerify } from './commands/verify.js';
import { addExamples, reportError } from './output.js';

const COMMANDS = [
  registerInit,
  registerUp,
  registerKeys,
  registerTx,
  registerMember,
  registerQuery,
  registerStatus,
  registerBlock,
  registerVerify,
  registerImport,
  registerRecord,
  registerConsent,
  registerAccess,
  registerErase,
  registerBreakGlass,
];

/** The package version; found by walking up, since this file runs from src/ or dist/src/. */
function packageVersion(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const text = readFileSync(join(directory, 'package.json'), 'utf8');
      const manifest = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (manifest.name === 'medchain' && typeof manifest.version === 'string') {
        return manifest.version;
      }
    } catch {
      // No package.json at this level: keep walking up.
    }
    directory = dirname(directory);
  }
  return '0.0.0';
}

function buildProgram(): Command {
  const program = new Command('medchain')
    .description('medchain: a permissioned blockchain for healthcare consortia')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      // Usage errors follow the same `error: <code>: <detail>` shape as every other error.
      outputError: (text, write) => write(text.replace(/^error: /, 'error: usage: ')),
    });
  for (const register of COMMANDS) {
    register(program);
  }
  addExamples(program, [
    'medchain init --dir ./net && medchain up --dir ./net',
    'medchain keys new --out alice.json',
    'medchain status',
    'medchain tx identity vote --args \'{"proposal":1,"approve":true}\' --key alice.json',
    'medchain query identity organization id=org-st-mary --proof',
    'medchain <command> --help',
  ]);
  return program;
}

/**
 * `medchain block 5 | head -3` closes our standard output before we finish writing: the
 * reader has what it wanted, so stop quietly instead of dying on an unhandled EPIPE.
 */
function stopQuietlyWhenOutputCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      process.exit(0);
    }
    throw error;
  });
}

async function main(argv: readonly string[]): Promise<void> {
  stopQuietlyWhenOutputCloses();
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

await main(process.argv);
