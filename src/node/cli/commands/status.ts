/** `medchain status`: what a node serves and how far its chain has got. */
import type { Command } from 'commander';
import { MedchainClient } from '../../../sdk/index.js';
import {
  type ApiOptions,
  addApiOptions,
  addExamples,
  formatTimeMs,
  printFields,
  printJson,
} from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('status')
    .description("show the node's chain id, height, last block, validators and mempool")
    .action((options: ApiOptions) => showStatus(options));
  addApiOptions(command);
  addExamples(command, ['medchain status', 'medchain status --api http://10.0.0.5:8080 --json']);
}

async function showStatus(options: ApiOptions): Promise<void> {
  const status = await new MedchainClient({ baseUrl: options.api }).status();
  if (options.json) {
    printJson(status);
    return;
  }
  const power = status.validators.reduce((sum, validator) => sum + validator.power, 0);
  printFields([
    ['chain', status.chainId],
    ['genesis', status.genesisHash],
    ['height', status.height],
    ['last block', status.lastBlockHash],
    ['last block time', formatTimeMs(status.lastBlockTime)],
    ['validators', `${status.validators.length} (total power ${power})`],
    ['mempool', `${status.mempool.size} / ${status.mempool.capacity}`],
    ['version', status.version],
  ]);
  for (const validator of status.validators) {
    process.stdout.write(
      `  ${validator.publicKey}  ${validator.organization}  power ${validator.power}\n`,
    );
  }
}
