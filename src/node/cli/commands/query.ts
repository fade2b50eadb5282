/**
 * `medchain query`: read a module's state through the node. Every answer comes with a proof
 * under a committed state root; `--proof` shows it and checks it against the genesis file,
 * so the answer is believed because of the validators' signatures, not because of the node.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type Genesis,
  genesisStateRoot,
  MedchainClient,
  type QueryResponse,
  type StateAnswer,
  type StateVerification,
  verifyStateProof,
} from '../../../sdk/index.js';
import { cryptoFromEnvironment } from '../../crypto/index.js';
import {
  type ApiOptions,
  addApiOptions,
  addExamples,
  CliError,
  CliUsageError,
  printFields,
  printJson,
} from '../output.js';

/** Where `medchain init` and `medchain up` put the genesis file by default. */
const GENESIS_DEFAULT = './.medchain/genesis.json';

interface QueryOptions extends ApiOptions {
  proof: boolean;
  genesis?: string;
}

export function register(program: Command): void {
  const command = program
    .command('query')
    .description('read module state by a named query, with its proof on request')
    .argument('<module>', 'module name, e.g. identity')
    .argument('<query>', 'query name, e.g. organization')
    .argument('[params...]', 'query parameters as key=value')
    .option('--proof', 'print the state proof and verify it against the genesis file', false)
    .option('--genesis <file>', `genesis file to verify --proof with (default ${GENESIS_DEFAULT})`)
    .action((module: string, query: string, params: string[], options: QueryOptions) =>
      runQuery(module, query, params, options),
    );
  addApiOptions(command);
  addExamples(command, [
    'medchain query identity organization id=org-st-mary',
    'medchain query identity member id=patient-alice --proof',
    'medchain query identity organization id=org-st-mary --proof --genesis net/genesis.json',
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
  const verification = options.proof ? verifyAnswer(answer, options.genesis) : undefined;
  if (options.json) {
    const shown = options.proof
      ? { ...answer, verification: verification ?? null }
      : { height: answer.height, key: answer.key, value: answer.value };
    printJson(shown);
  } else {
    printAnswer(answer, options.proof);
  }
  reportVerification(verification, options.json);
}

function printAnswer(answer: QueryResponse | StateAnswer, proof: boolean): void {
  printFields([
    ['height', answer.height],
    ['key', answer.key],
  ]);
  process.stdout.write(`value\n${indent(JSON.stringify(answer.value, null, 2))}\n`);
  if (proof) {
    // A height-0 answer has no header or certificate: genesis itself vouches for it.
    printFields([
      ['block hash', answer.blockHash],
      ['state root', answer.header?.stateRoot ?? '(genesis state)'],
      ['signatures', answer.commit?.signatures.length ?? 0],
    ]);
    process.stdout.write(`proof\n${indent(JSON.stringify(answer.proof, null, 2))}\n`);
  }
}

/**
 * Verifies with the named genesis file, or the default one when it exists. Without any,
 * the proof is shown unverified (with a warning): the node alone cannot vouch for itself.
 */
function verifyAnswer(
  answer: QueryResponse | StateAnswer,
  path: string | undefined,
): StateVerification | undefined {
  const file = path ?? (existsSync(GENESIS_DEFAULT) ? GENESIS_DEFAULT : undefined);
  if (file === undefined) {
    return undefined;
  }
  let genesis: Genesis;
  try {
    genesis = JSON.parse(readFileSync(file, 'utf8')) as Genesis;
  } catch (error) {
    throw new CliError('invalid_genesis', `cannot read ${file}: ${(error as Error).message}`);
  }
  const crypto = cryptoFromEnvironment();
  let root: string | undefined;
  if (answer.height === 0) {
    try {
      root = genesisStateRoot(genesis, crypto);
    } catch (error) {
      throw new CliError('invalid_genesis', `${file}: ${(error as Error).message}`);
    }
  }
  return verifyStateProof(answer as StateAnswer, {
    genesis,
    crypto,
    ...(root === undefined ? {} : { genesisStateRoot: root }),
  });
}

function reportVerification(verification: StateVerification | undefined, json: boolean): void {
  if (verification === undefined) {
    process.stderr.write(
      `warning: proof not verified: no genesis file (pass --genesis <file>; ` +
        `default ${GENESIS_DEFAULT})\n`,
    );
    return;
  }
  if (!verification.ok) {
    const { step, reason } = verification;
    throw new CliError('proof_invalid', `proof failed at step ${step}: ${reason}`);
  }
  if (json) {
    return;
  }
  const { height, stateRoot, commit } = verification;
  const by =
    commit === null
      ? 'the state of the genesis file'
      : `commit by ${commit.signers} of ${commit.validators} validators`;
  process.stdout.write(`proof: verified at height ${height} (state root ${stateRoot}, ${by})\n`);
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
