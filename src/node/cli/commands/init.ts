/** `medchain init`: placeholder until the real command lands; it only reserves the name. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('init')
    .description('create a network directory with genesis, keys and demo organizations')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\nExamples:\n  $ medchain init --dir ./net\n')
    .action(() => {
      process.stderr.write('error: not_available: medchain init is not yet available\n');
      process.exit(1);
    });
}
