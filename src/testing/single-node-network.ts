/**
 * A real one-validator network for tests that need one node and its vault: `medchain
 * init --validators 1` on free ports, then the hospital's validator as its own process
 * (SQLite store, consensus with its write-ahead log, the organization's vault behind its
 * real gate, the HTTP API). The four demo organizations all exist; only the hospital
 * validates and serves a vault, which is every node a clinic's member needs to read a
 * hospital record.
 */
import {
  initNetwork,
  NodeRegistry,
  nodeDirectory,
  removeDirectory,
  stopNode,
  temporaryDirectory,
} from './e2e.js';
import { type NodeProcess, startValidator } from './node-process.js';

export interface SingleNodeNetwork {
  dir: string;
  url: string;
  nodeDir: string;
  /** Stops the validator with SIGTERM (start it again with start). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Kills it and deletes the directory. */
  close(): Promise<void>;
}

export async function startSingleNodeNetwork(prefix: string): Promise<SingleNodeNetwork> {
  const network = await initNetwork(temporaryDirectory(prefix), 1);
  const url = `http://127.0.0.1:${network.port}`;
  const nodeDir = nodeDirectory(network.dir, 'hospital');
  const registry = new NodeRegistry();
  let running: NodeProcess | undefined;
  const start = async () => {
    running = registry.add(await startValidator(nodeDir, url));
  };
  await start();
  return {
    dir: network.dir,
    url,
    nodeDir,
    start,
    stop: async () => {
      const current = running;
      running = undefined;
      if (current !== undefined) {
        await stopNode(current);
      }
    },
    close: async () => {
      await registry.killAll();
      removeDirectory(network.dir);
    },
  };
}
