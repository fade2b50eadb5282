/**
 * `medchain access list`: every recorded read of a patient's records, and every break-glass
 * opened on them, from the chain's audit log (the patient's own key signs the request).
 */
import type { Command } from 'commander';
import { addExamples, formatTimeMs, printJson } from '../output.js';
import { addHealthOptions, type HealthOptions, openHealthSession } from './health-session.js';

type Entry = {
  kind: string;
  accessor: string;
  organization: string;
  record?: string;
  version?: number;
  purpose?: string;
  basis?: string;
  reason?: string;
  time: number;
};

export function register(program: Command): void {
  const access = program.command('access').description('who accessed your data');
  const list = access
    .command('list')
    .description('list every access to your records; break-glass entries are flagged')
    .action(async (options: HealthOptions) => {
      const entries = (await (await openHealthSession(options)).accesses()) as Entry[];
      if (options.json) {
        printJson(entries);
        return;
      }
      for (const entry of entries) {
        const flagged = entry.kind === 'break_glass' || entry.basis === 'break_glass';
        const what =
          entry.kind === 'access'
            ? `read ${entry.record} v${entry.version} for ${entry.purpose} (${entry.basis})`
            : `opened break-glass (${entry.reason})`;
        process.stdout.write(
          `${formatTimeMs(entry.time)}  ${flagged ? 'FLAGGED ' : ''}${entry.accessor} ` +
            `(${entry.organization}) ${what}\n`,
        );
      }
    });
  addHealthOptions(list);
  addExamples(list, ['medchain access list --as pt-4c81 --key pt.json']);
}
