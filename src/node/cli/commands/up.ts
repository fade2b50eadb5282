/** `medchain up`: placeholder until the real command lands; it only reserves the name. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('up')
    .description('start the network in a directory')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\nExamples:\n  $ medchain up --dir ./net\n')
    .action(() => {
      process.stderr.write('error: not_available: medchain up is not yet available\n');
      process.exit(1);
    });
}
