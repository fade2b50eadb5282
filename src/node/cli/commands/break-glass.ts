/**
 * `medchain break-glass`: an emergency clinician opens time-boxed access to a patient's
 * records. The chain gets a coded reason and a salted hash of the written justification;
 * the text and salt are printed for the organization to keep. The opening and every read
 * under it are flagged in the patient's access log. While it is open, `medchain record read`
 * decrypts the patient's records through the custodian's emergency key release (itself
 * logged on chain), except records the patient opted out of escrow: ciphertext only.
 */
import type { Command } from 'commander';
import type { BreakGlassReason } from '../../../protocol/contracts/consent/types.js';
import { BREAK_GLASS_REASONS } from '../../../protocol/contracts/consent/types.js';
import { addExamples, CliUsageError, parseCount, printFields, printJson } from '../output.js';
import { addHealthOptions, type HealthOptions, openHealthSession } from './health-session.js';

interface BreakGlassOptions extends HealthOptions {
  patient: string;
  reason: string;
  justification: string;
  minutes: number;
}

export function register(program: Command): void {
  const command = program
    .command('break-glass')
    .description("open emergency access to a patient's records (flagged to the patient)")
    .requiredOption('--patient <id>', "the patient's member id")
    .requiredOption('--reason <code>', BREAK_GLASS_REASONS.join(', '))
    .requiredOption('--justification <text>', 'written justification, kept by your organization')
    .option(
      '--minutes <n>',
      'how long access stays open (1-240)',
      (v) => parseCount(v, '--minutes'),
      15,
    )
    .action(async (options: BreakGlassOptions) => {
      if (!(BREAK_GLASS_REASONS as readonly string[]).includes(options.reason)) {
        throw new CliUsageError(`--reason must be one of ${BREAK_GLASS_REASONS.join(', ')}`);
      }
      const opened = await (await openHealthSession(options)).breakGlass({
        patient: options.patient,
        reason: options.reason as BreakGlassReason,
        justification: options.justification,
        durationMs: options.minutes * 60_000,
      });
      if (options.json) {
        printJson(opened);
        return;
      }
      printFields([
        ['break-glass', opened.breakGlass],
        ['justification salt', `${opened.salt} (keep it with the text)`],
        ['read', `medchain record read <record-id> --as ${options.as} --key ${options.key}`],
      ]);
    });
  addHealthOptions(command);
  addExamples(command, [
    'medchain break-glass --as dr-erin --key erin.json --patient pt-4c81 \\\n' +
      '      --reason patient-unconscious --justification "unresponsive on arrival"',
  ]);
}
