/** `medchain up`: start the network in a directory (a demo network is created on first run). */
import type { Command } from 'commander';
import { createLogger } from '../../runtime/logger.js';
import { up } from '../../runtime/up.js';
import { parseAddress } from '../../runtime/serve.js';
import { addExamples, CliUsageError } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('up')
    .description('start the network in a directory; creates a demo network on first run')
    .option('--dir <path>', 'network directory', './.medchain')
    .option('--api <host:port>', 'API address (env MEDCHAIN_API)', process.env.MEDCHAIN_API)
    .option('--chain-id <id>', 'chain id for a new network', 'medchain-local')
    .action(async (options: { dir: string; api?: string; chainId: string }) => {
      if (options.api !== undefined) {
        try {
          parseAddress(options.api);
        } catch (error) {
          throw new CliUsageError((error as Error).message);
        }
      }
      const logger = createLogger();
      const print = (line: string) => process.stdout.write(`${line}\n`);
      const handle = await up({ ...options, logger, print });
      print(`medchain is running. API: ${handle.urls[0]}  (try: curl ${handle.urls[0]}/v1/status)`);
      print('press Ctrl-C to stop');
      await waitForSignal();
      print('stopping...');
      await handle.stop();
      print('stopped cleanly');
    });
  addExamples(command, ['medchain up', 'medchain up --dir ./net --api 127.0.0.1:9000']);
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
