/**
 * `medchain init`: create a network directory with genesis, keys and demo organizations,
 * and one node directory per validator (four by default).
 */
import type { Command } from 'commander';
import { DEMO_ORGANIZATION_IDS } from '../../../protocol/genesis/demo.js';
import {
  initNetworkDirectory,
  P2P_DEFAULT,
  VALIDATORS_MAX,
} from '../../runtime/network-directory.js';
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
      'API of the first validator; the others take the next ports',
      process.env.MEDCHAIN_API ?? '127.0.0.1:8080',
    )
    .option(
      '--p2p <host:port>',
      'transport address of the first validator; the others take the next ports',
      process.env.MEDCHAIN_P2P ?? P2P_DEFAULT,
    )
    .option('--validators <n>', `how many organizations run a validator, 1-${VALIDATORS_MAX}`, '4')
    .action(
      (options: { dir: string; chainId: string; api: string; p2p: string; validators: string }) => {
        if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(options.chainId)) {
          throw new CliUsageError('--chain-id must be 1-64 characters of a-z, 0-9 and -');
        }
        for (const address of [options.api, options.p2p]) {
          try {
            parseAddress(address);
          } catch (error) {
            throw new CliUsageError((error as Error).message);
          }
        }
        const validators = Number(options.validators);
        if (!Number.isInteger(validators) || validators < 1 || validators > VALIDATORS_MAX) {
          throw new CliUsageError(`--validators must be 1 to ${VALIDATORS_MAX}`);
        }
        const { genesis, network } = initNetworkDirectory({
          ...options,
          validators,
          now: new Date(),
        });
        process.stdout.write(`network ${genesis.chainId} created in ${options.dir}\n`);
        process.stdout.write(`  genesis      ${options.dir}/genesis.json\n`);
        for (const id of Object.values(DEMO_ORGANIZATION_IDS)) {
          process.stdout.write(`  admin key    ${options.dir}/keys/${id}-admin.json\n`);
        }
        for (const node of network.nodes) {
          process.stdout.write(`  validator    ${node.name}: API ${node.api}, p2p ${node.p2p}\n`);
        }
        process.stdout.write(`start it with: medchain up --dir ${options.dir}\n`);
      },
    );
  addExamples(command, [
    'medchain init --dir ./net',
    'medchain init --dir ./net --chain-id trial-net',
    'medchain init --dir ./net --validators 1',
  ]);
}
