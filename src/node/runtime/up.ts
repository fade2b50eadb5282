/**
 * `medchain up`: start the network in a directory, creating a demo network on first run,
 * and stop it cleanly on Ctrl-C. The next start resumes at the last committed height.
 */
import { join, resolve } from 'node:path';
import type { Logger } from './logger.js';
import { initNetworkDirectory, isNetworkDirectory, readNetworkFile } from './network-directory.js';
import { openNode } from './open-node.js';
import { runNode } from './serve.js';

export interface UpOptions {
  dir: string;
  /** Overrides the API address of the (first) node. */
  api?: string;
  chainId: string;
  logger: Logger;
  print: (line: string) => void;
}

export interface UpHandle {
  urls: string[];
  stop(): Promise<void>;
}

export async function up(options: UpOptions): Promise<UpHandle> {
  const dir = resolve(options.dir);
  if (!isNetworkDirectory(dir)) {
    const api = options.api ?? '127.0.0.1:8080';
    initNetworkDirectory({ dir, chainId: options.chainId, api, now: new Date() });
    options.print(`created a demo network in ${dir} (chain ${options.chainId})`);
  }
  const network = readNetworkFile(dir);
  const handles: { stop(): Promise<void>; close(): void }[] = [];
  const urls: string[] = [];
  for (const [index, entry] of network.nodes.entries()) {
    const logger = options.logger.child({ node: entry.name });
    const apiOverride = index === 0 ? options.api : undefined;
    const opened = await openNode(join(dir, 'nodes', entry.name), {
      logger,
      ...(apiOverride ? { apiOverride } : {}),
    });
    const running = await runNode(opened.node, {
      api: opened.config.api,
      blockIntervalMs: opened.config.blockIntervalMs,
      logger,
    });
    handles.push({ stop: running.stop, close: opened.close });
    urls.push(running.url);
    options.print(
      `node ${entry.name} (${entry.organization}) ` +
        `at height ${opened.node.height}: API ${running.url}`,
    );
  }
  return {
    urls,
    async stop() {
      for (const handle of handles) {
        await handle.stop();
        handle.close();
      }
    },
  };
}
