/**
 * `medchain consent grant|revoke|list`: a patient manages who may read its records. A
 * grant is a transaction signed with the patient's key; the SDK then wraps the document
 * key of every record the grant covers for the grantee (a member's X25519 key; for an
 * organization its vault service key and each `--reader` named), so the grantee can decrypt.
 */
import type { Command } from 'commander';
import { PURPOSES, type Purpose } from '../../../protocol/contracts/consent/types.js';
import {
  CATEGORIES,
  type Category,
  RESOURCE_TYPES,
  type ResourceType,
} from '../../../protocol/contracts/records/types.js';
import { addExamples, CliUsageError, parseCount, printFields, printJson } from '../output.js';
import { addHealthOptions, type HealthOptions, openHealthSession } from './health-session.js';

interface GrantOptions extends HealthOptions {
  member?: string;
  org?: string;
  category?: string[];
  type?: string[];
  record?: string[];
  purpose: string;
  days: number;
  reader?: string[];
}

function checkList(values: string[] | undefined, allowed: readonly string[], flag: string) {
  for (const value of values ?? []) {
    if (!allowed.includes(value)) {
      throw new CliUsageError(`${flag} must be one of ${allowed.join(', ')}`);
    }
  }
  return values ?? [];
}

export function register(program: Command): void {
  const consent = program
    .command('consent')
    .description("grant, revoke and list a patient's consent");
  const grant = consent
    .command('grant')
    .description('let a member or an organization read records in a scope, for a purpose')
    .option('--member <id>', 'grant to this member')
    .option('--org <id>', 'grant to this organization')
    .option('--category <category...>', `categories: ${CATEGORIES.join(', ')}`)
    .option('--type <resourceType...>', 'FHIR resource types')
    .option('--record <id...>', 'specific record ids')
    .option('--purpose <purpose>', PURPOSES.join(', '), 'treatment')
    .option('--days <n>', 'how long the grant lasts, in days', (v) => parseCount(v, '--days'), 30)
    .option('--reader <member...>', 'an organization grant: members to wrap keys for')
    .action(async (options: GrantOptions) => {
      if ((options.member === undefined) === (options.org === undefined)) {
        throw new CliUsageError('give exactly one of --member and --org');
      }
      if (!(PURPOSES as readonly string[]).includes(options.purpose)) {
        throw new CliUsageError(`--purpose must be one of ${PURPOSES.join(', ')}`);
      }
      const session = await openHealthSession(options);
      const result = await session.grant({
        granteeKind: options.member === undefined ? 'organization' : 'member',
        grantee: (options.member ?? options.org)!,
        categories: checkList(options.category, CATEGORIES, '--category') as Category[],
        resourceTypes: checkList(options.type, RESOURCE_TYPES, '--type') as ResourceType[],
        recordIds: options.record ?? [],
        purpose: options.purpose as Purpose,
        durationMs: options.days * 24 * 60 * 60 * 1000,
        ...(options.reader === undefined ? {} : { readers: options.reader }),
      });
      if (options.json) {
        printJson(result);
        return;
      }
      printFields([
        ['grant', result.grant],
        ['keys wrapped', result.wrapped],
      ]);
    });
  addHealthOptions(grant);
  addExamples(grant, [
    'medchain consent grant --as pt-4c81 --key pt.json --org org-riverside-clinic \\\n' +
      '      --category laboratory --days 30 --reader dr-cole --network .medchain',
    'medchain consent grant --as pt-4c81 --key pt.json --member dr-cole --record rec-1f2e',
  ]);
  registerRevokeAndList(consent);
}

function registerRevokeAndList(consent: Command): void {
  const revoke = consent
    .command('revoke')
    .description('revoke a grant; it stops counting from the next block')
    .argument('<grant>', 'the grant id (its transaction hash)')
    .action(async (grant: string, options: HealthOptions) => {
      const submission = await (await openHealthSession(options)).revoke(grant);
      if (options.json) {
        printJson(submission);
        return;
      }
      printFields([
        ['revoked', grant],
        ['transaction', submission.hash],
      ]);
    });
  addHealthOptions(revoke);
  addExamples(revoke, ['medchain consent revoke 9f3c…e1 --as pt-4c81 --key pt.json']);
  const list = consent
    .command('list')
    .description('list the grants you made, with their state')
    .action(async (options: HealthOptions) => {
      const grants = (await (await openHealthSession(options)).grants()) as {
        id: string;
        granteeKind: string;
        grantee: string;
        purpose: string;
        notAfter: number;
        revokedAt: number | null;
      }[];
      if (options.json) {
        printJson(grants);
        return;
      }
      for (const grant of grants) {
        const state = grant.revokedAt === null ? 'active' : `revoked at ${grant.revokedAt}`;
        process.stdout.write(
          `${grant.id}  ${grant.granteeKind} ${grant.grantee}  ${grant.purpose}  ` +
            `until ${new Date(grant.notAfter).toISOString()}  ${state}\n`,
        );
      }
    });
  addHealthOptions(list);
  addExamples(list, ['medchain consent list --as pt-4c81 --key pt.json --json']);
}
