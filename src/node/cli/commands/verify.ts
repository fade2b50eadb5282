/** `medchain verify`: placeholder until the real command lands; it only reserves the name. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('verify')
    .description("audit a node's data directory offline")
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\nExamples:\n  $ medchain verify --data ./net/node-1\n')
    .action(() => {
      process.stderr.write('error: not_available: medchain verify is not yet available\n');
      process.exit(1);
    });
}
