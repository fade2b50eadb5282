/**
 * Opening a node directory refuses a node.json whose verifier threads make no sense, before
 * it opens anything. (Zero threads, checks on the main thread, is verifier-pool.test.ts's.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from './logger.js';
import { initNetworkDirectory } from './network-directory.js';
import { openNode } from './open-node.js';

const dir = mkdtempSync(join(tmpdir(), 'medchain-open-node-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('openNode', () => {
  initNetworkDirectory({
    dir,
    chainId: 'medchain-open-node-test',
    api: '127.0.0.1:0',
    validators: 1,
    now: new Date('2026-01-01T00:00:00Z'),
  });
  const nodeDir = join(dir, 'nodes', readdirSync(join(dir, 'nodes'))[0]!);
  const configPath = join(nodeDir, 'node.json');
  const withThreads = (threads: unknown) => {
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    config.verifierThreads = threads;
    writeFileSync(configPath, JSON.stringify(config));
  };

  for (const bad of [-1, 1.5, '2']) {
    it(`refuses verifierThreads ${JSON.stringify(bad)}`, async () => {
      withThreads(bad);
      await assert.rejects(openNode(nodeDir, { logger: silentLogger }), /verifierThreads/);
    });
  }
});
