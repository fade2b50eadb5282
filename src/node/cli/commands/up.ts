/**
 * `medchain up`: start the consortium in a directory (a demo network is created on first
 * run), one process per validator. `medchain node`: run one validator in this process;
 * `up` starts one per node directory, and an operator may run them by hand.
 */
import type { Command } from 'commander';
import { createLogger } from '../../runtime/logger.js';
import { VALIDATORS_MAX } from '../../runtime/network-directory.js';
import { parseAddress } from '../../runtime/serve.js';
import { up } from '../../runtime/up.js';
import { AmnesiaError, runValidator } from '../../runtime/validator.js';
import { addExamples, CliError, CliUsageError } from '../output.js';

/** A validator asked to stop exits within this bound, cleanly or not. */
const STOP_BOUND_MS = 5_000;

function checkAddress(text: string | undefined, flag: string): void {
  if (text === undefined) {
    return;
  }
  try {
    parseAddress(text);
  } catch (error) {
    throw new CliUsageError(`${flag}: ${(error as Error).message}`);
  }
}

function parseValidators(text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > VALIDATORS_MAX) {
    throw new CliUsageError(`--validators must be 1 to ${VALIDATORS_MAX}`);
  }
  return count;
}

interface UpFlags {
  dir: string;
  api?: string;
  p2p?: string;
  validators?: string;
  chainId: string;
}

export function register(program: Command): void {
  const command = program
    .command('up')
    .description('start the consortium in a directory; creates a demo network on first run')
    .option('--dir <path>', 'network directory', './.medchain')
    .option(
      '--api <host:port>',
      'API of the first validator (env MEDCHAIN_API)',
      process.env.MEDCHAIN_API,
    )
    .option(
      '--p2p <host:port>',
      'transport address of the first validator of a new network (env MEDCHAIN_P2P)',
      process.env.MEDCHAIN_P2P,
    )
    .option('--validators <n>', `validators of a new network, 1-${VALIDATORS_MAX} (default 4)`)
    .option('--chain-id <id>', 'chain id for a new network', 'medchain-local')
    .action(async (options: UpFlags) => {
      checkAddress(options.api, '--api');
      checkAddress(options.p2p, '--p2p');
      const validators = parseValidators(options.validators);
      const logger = createLogger();
      const print = (line: string) => process.stdout.write(`${line}\n`);
      const { validators: _flag, ...rest } = options;
      const handle = await up({
        ...rest,
        ...(validators === undefined ? {} : { validators }),
        logger,
        print,
      });
      const main = handle.urls[0];
      print(`medchain is running. API: ${main}  (try: curl ${main}/v1/status)`);
      print('press Ctrl-C to stop');
      await waitForSignal();
      print('stopping...');
      await handle.stop();
      print('stopped cleanly');
    });
  addExamples(command, [
    'medchain up',
    'medchain up --validators 1',
    'medchain up --dir ./net --api 127.0.0.1:9000',
  ]);
  registerNode(program);
}

interface NodeCommandOptions {
  dir: string;
  api?: string;
  supervised?: boolean;
  validatorsOnHost: string;
}

function registerNode(program: Command): void {
  const command = program
    .command('node')
    .description('run one validator from its node directory (medchain up starts one per node)')
    .requiredOption('--dir <path>', 'node directory, e.g. ./.medchain/nodes/hospital')
    .option('--api <host:port>', "overrides the node's API address")
    .option('--supervised', 'stop when standard input closes (the supervisor is gone)')
    .option(
      '--validators-on-host <n>',
      "validators sharing this machine's cores (medchain up sets it); with no spare core, " +
        'signatures are checked on the main thread (node.json verifierThreads overrides)',
      '1',
    )
    .action(async (options: NodeCommandOptions) => {
      checkAddress(options.api, '--api');
      const validatorsOnHost = Number(options.validatorsOnHost);
      if (!Number.isInteger(validatorsOnHost) || validatorsOnHost < 1) {
        throw new CliUsageError('--validators-on-host must be a positive integer');
      }
      const logger = createLogger({}, { node: options.dir.split(/[\\/]/).filter(Boolean).at(-1) });
      let running: Awaited<ReturnType<typeof runValidator>>;
      try {
        running = await runValidator(options.dir, {
          logger,
          ...(options.api === undefined ? {} : { api: options.api }),
          validatorsOnHost,
        });
      } catch (error) {
        if (error instanceof AmnesiaError) {
          throw new CliError('amnesia', `refusing to start: ${error.message}`);
        }
        throw error;
      }
      logger.info('validator running', {
        height: running.opened.node.height,
        api: running.apiUrl,
        p2p: running.p2pPort,
      });
      if (process.env.MEDCHAIN_FAULT_INJECTION === '1') {
        // Test-only: SIGUSR2 cuts this validator off from its peers for a while.
        const ms = Number(process.env.MEDCHAIN_ISOLATE_MS ?? 4_000);
        process.on('SIGUSR2', () => running.isolate(ms));
      }
      await waitForSignal(options.supervised === true);
      const timer = setTimeout(() => process.exit(1), STOP_BOUND_MS);
      timer.unref();
      await running.stop();
      logger.info('validator stopped');
      // Standard input may still be watched (--supervised): nothing else is left to do.
      process.exit(0);
    });
  addExamples(command, ['medchain node --dir ./.medchain/nodes/clinic']);
}

function waitForSignal(supervised = false): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (supervised) {
      process.stdin.once('end', done);
      process.stdin.once('close', done);
      process.stdin.resume();
    }
  });
}
