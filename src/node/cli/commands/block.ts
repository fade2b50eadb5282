/** `medchain block`: a committed block's header, transactions and results. */
import type { Command } from 'commander';
import { MedchainClient, pureCrypto, transactionHash } from '../../../sdk/index.js';
import {
  type ApiOptions,
  addApiOptions,
  addExamples,
  formatTimeMs,
  parseCount,
  printFields,
  printJson,
} from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('block')
    .description('show a committed block: header, transactions and their result codes')
    .argument('<height>', 'a height, or "latest"', (value: string) =>
      value === 'latest' ? value : parseCount(value, 'height'),
    )
    .action((height: number | 'latest', options: ApiOptions) => showBlock(height, options));
  addApiOptions(command);
  addExamples(command, ['medchain block latest', 'medchain block 42 --json']);
}

async function showBlock(height: number | 'latest', options: ApiOptions): Promise<void> {
  const block = await new MedchainClient({ baseUrl: options.api }).block(height);
  if (options.json) {
    printJson(block);
    return;
  }
  const { header } = block;
  printFields([
    ['height', header.height],
    ['hash', block.hash],
    ['time', formatTimeMs(header.time)],
    ['previous', header.previousHash],
    ['proposer', header.proposer],
    ['state root', header.stateRoot],
    ['transactions', header.transactionCount],
    ['signatures', block.commit.signatures.length],
  ]);
  block.transactions.forEach((transaction, index) => {
    // Hashes are recomputed here rather than trusted, so what is shown is what was signed.
    const hash = transactionHash(pureCrypto, transaction);
    const receipt = block.receipts[index];
    const result = receipt === undefined ? '?' : `${receipt.code} ${receipt.name}`;
    const call = `${transaction.module}.${transaction.action}`;
    process.stdout.write(`  ${index}  ${hash}  ${call}  nonce ${transaction.nonce}  ${result}\n`);
  });
}
