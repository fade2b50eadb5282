/**
 * The README tour, command for command, against a real node: a new user creates a network,
 * starts it, makes a key, registers a patient, reads the record back with a verified proof
 * and looks at the chain. Defaults are used as the tour uses them (./.medchain in the
 * working directory, four validators); only the addresses move off 8080 and 26601,
 * through the environment.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  NodeRegistry,
  removeDirectory,
  stopNode,
  temporaryDirectory,
} from '../../src/testing/e2e.js';
import { freePorts, runCli, startNode } from '../../src/testing/node-process.js';

const nodes = new NodeRegistry();
let cwd = '';
let url = '';
let env: NodeJS.ProcessEnv = {};

/** One tour command, run in the tour's directory; fails the test on a non-zero exit. */
function medchain(command: string): { stdout: string; stderr: string } {
  const run = runCli(command.split(' '), { cwd, env });
  assert.equal(run.status, 0, `medchain ${command}\n${run.stdout}${run.stderr}`);
  return run;
}

before(async () => {
  cwd = temporaryDirectory('tour');
  // The tour's network has four validators: their APIs and transports on consecutive ports.
  const port = await freePorts(4);
  const p2pPort = await freePorts(4);
  url = `http://127.0.0.1:${port}`;
  env = {
    MEDCHAIN_API: `127.0.0.1:${port}`,
    MEDCHAIN_P2P: `127.0.0.1:${p2pPort}`,
    MEDCHAIN_API_URL: url,
    MEDCHAIN_PASSPHRASE: 'correct horse battery staple',
  };
});

after(async () => {
  await nodes.killAll();
  removeDirectory(cwd);
});

describe('e2e: the CLI tour', () => {
  it('runs init, up, keys, member register, query --proof, status and block', async () => {
    medchain('init');
    const node = nodes.add(await startNode({ args: ['up'], url, cwd, env, timeoutMs: 60_000 }));
    medchain('keys new --out alice.json --label alice --passphrase-env MEDCHAIN_PASSPHRASE');
    const registered = medchain(
      'member register patient-alice --kind patient --keys alice.json ' +
        `--key ${join('.medchain', 'keys', 'org-general-hospital-admin.json')}`,
    );
    assert.match(registered.stdout, /^result +0 ok$/m);

    const query = medchain('query identity member id=patient-alice --proof');
    assert.match(query.stdout, /"id": "patient-alice"/);
    const verified = /^proof: verified at height (\d+) \(state root ([0-9a-f]{64}), (.*)\)$/m;
    const [, provenHeight, , by] = verified.exec(query.stdout) ?? [];
    assert.ok(Number(provenHeight) >= 1, query.stdout);
    // Precommits of more than two thirds of the four validators: three or all four.
    assert.match(by ?? '', /^commit by [34] of 4 validators$/);

    const status = medchain('status');
    const height = Number(/^height +(\d+)$/m.exec(status.stdout)?.[1]);
    assert.ok(height >= 1, status.stdout);
    const block = medchain('block latest');
    assert.match(block.stdout, /[0-9a-f]{64}/);

    const response = await fetch(`${url}/v1/status`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { chainId: string; height: number };
    assert.equal(body.chainId, 'medchain-local');
    assert.ok(body.height >= 1);
    assert.equal(await stopNode(node), 0, node.output());
  });

  it('fails query --proof when the genesis file is not the chain the node serves', async () => {
    const other = temporaryDirectory('tour-other');
    try {
      const init = runCli(['init', '--dir', other], { env });
      assert.equal(init.status, 0, init.stderr);
      const node = nodes.add(await startNode({ args: ['up'], url, cwd, env, timeoutMs: 60_000 }));
      const args = ['query', 'identity', 'member', 'id=patient-alice', '--proof'];
      const run = runCli([...args, '--genesis', join(other, 'genesis.json')], { cwd, env });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /^error: proof_invalid: proof failed at step commit: /m);
      assert.equal(await stopNode(node), 0, node.output());
    } finally {
      removeDirectory(other);
    }
  });
});
