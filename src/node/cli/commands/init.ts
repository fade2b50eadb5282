/** `medchain init`: create a network directory with genesis, keys and demo organizations. */
import type { Command } from 'commander';
import { DEMO_ORGANIZATION_IDS } from '../../../protocol/genesis/demo.js';
import { initNetworkDirectory } from '../../runtime/network-directory.js';
import { parseAddress } from '../../runtime/serve.js';
import { addExamples, CliUsageError } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('init')
    .description('create a network directory with genesis, keys and demo organizations')
    .option('--dir <path>', 'directory to create the network in', './.medchain')
    .option('--chain-id <id>', 'chain id', 'medchain-local')
    .option(
      '--api <host:port>',
      'address of the node API',
      process.env.MEDCHAIN_API ?? '127.0.0.1:8080',
    )
    .action((options: { dir: string; chainId: string; api: string }) => {
      if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(options.chainId)) {
        throw new CliUsageError('--chain-id must be 1-64 characters of a-z, 0-9 and -');
      }
      try {
        parseAddress(options.api);
      } catch (error) {
        throw new CliUsageError((error as Error).message);
      }
      const { genesis } = initNetworkDirectory({ ...options, now: new Date() });
      process.stdout.write(`network ${genesis.chainId} created in ${options.dir}\n`);
      process.stdout.write(`  genesis      ${options.dir}/genesis.json\n`);
      for (const id of Object.values(DEMO_ORGANIZATION_IDS)) {
        process.stdout.write(`  admin key    ${options.dir}/keys/${id}-admin.json\n`);
      }
      process.stdout.write(`start it with: medchain up --dir ${options.dir}\n`);
    });
  addExamples(command, [
    'medchain init --dir ./net',
    'medchain init --dir ./net --chain-id trial-net',
  ]);
}
