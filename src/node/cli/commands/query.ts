/**
 * `medchain query`: read a module's state through the node. Every answer comes with a proof
 * under a committed state root; `--proof` shows it so it can be checked offline.
 */
import type { Command } from 'commander';
import { MedchainClient } from '../../../sdk/index.js';
import {
  type ApiOptions,
  addApiOptions,
  addExamples,
  CliUsageError,
  printFields,
  printJson,
} from '../output.js';

interface QueryOptions extends ApiOptions {
  proof: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('query')
    .description('read module state by a named query, with its proof on request')
    .argument('<module>', 'module name, e.g. identity')
    .argument('<query>', 'query name, e.g. organization')
    .argument('[params...]', 'query parameters as key=value')
    .option('--proof', 'also print the state proof, header and commit certificate', false)
    .action((module: string, query: string, params: string[], options: QueryOptions) =>
      runQuery(module, query, params, options),
    );
  addApiOptions(command);
  addExamples(command, [
    'medchain query identity organization id=org-st-mary',
    'medchain query identity member publicKey=3b6a27bc… --proof --json',
  ]);
}

async function runQuery(
  module: string,
  name: string,
  params: string[],
  options: QueryOptions,
): Promise<void> {
  const client = new MedchainClient({ baseUrl: options.api });
  const answer = await client.query(module, name, parseParams(params));
  if (options.json) {
    printJson(
      options.proof ? answer : { height: answer.height, key: answer.key, value: answer.value },
    );
    return;
  }
  printFields([
    ['height', answer.height],
    ['key', answer.key],
  ]);
  process.stdout.write(`value\n${indent(JSON.stringify(answer.value, null, 2))}\n`);
  if (options.proof) {
    printFields([
      ['block hash', answer.blockHash],
      ['state root', answer.header.stateRoot],
      ['signatures', answer.commit.signatures.length],
    ]);
    process.stdout.write(`proof\n${indent(JSON.stringify(answer.proof, null, 2))}\n`);
  }
}

export function parseParams(params: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const param of params) {
    const equals = param.indexOf('=');
    if (equals <= 0) {
      throw new CliUsageError(`query parameters are key=value, got "${param}"`);
    }
    const key = param.slice(0, equals);
    if (key in out) {
      throw new CliUsageError(`query parameter "${key}" is given twice`);
    }
    out[key] = param.slice(equals + 1);
  }
  return out;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
