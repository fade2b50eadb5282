/**
 * `medchain erase <record>`: the patient's right to erasure in one step. It submits the
 * patient's requestErasure, then waits until the custodian's vault has destroyed the
 * ciphertext and every key wrap and confirmed on chain; the confirmation's transaction
 * hash is printed as the receipt. Later reads answer 410 Gone; the chain keeps a tombstone.
 */
import type { Command } from 'commander';
import { addExamples, parseCount, printFields, printJson } from '../output.js';
import { addHealthOptions, type HealthOptions, openHealthSession } from './health-session.js';

export function register(program: Command): void {
  const erase = program
    .command('erase')
    .description('ask the custodian to erase a record and wait for its receipt')
    .argument('<record>', 'record id')
    .option('--timeout-ms <ms>', 'how long to wait for the custodian', (v) =>
      parseCount(v, '--timeout-ms'),
    )
    .action(async (record: string, options: HealthOptions & { timeoutMs?: number }) => {
      const session = await openHealthSession(options);
      const result = await session.erase(record, {
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      if (options.json) {
        printJson({ record, ...result });
        return;
      }
      printFields([
        ['record', record],
        ['request', result.request],
        ['receipt', result.receipt],
      ]);
    });
  addHealthOptions(erase);
  addExamples(erase, ['medchain erase rec-1f2e --as pt-4c81 --key pt.json']);
}
