/**
 * The CLI as users run it: a child process per command, against a fake node served on
 * loopback, checking output, exit statuses (0, 1 failure, 2 usage) and that no secret is
 * ever printed.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pureCrypto } from '../../protocol/core/crypto.js';
import {
  decodeTransaction,
  verifyTransactionSignature,
} from '../../protocol/ledger/transaction.js';

// From src/ the entry point is TypeScript and needs tsx; compiled, it is a sibling .js file.
const here = fileURLToPath(import.meta.url);
const isSource = here.endsWith('.ts');
const entry = join(dirname(here), isSource ? 'main.ts' : 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function medchain(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const nodeArgs = [...(isSource ? ['--import', 'tsx'] : []), entry, ...args];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      nodeArgs,
      { env: { ...process.env, MEDCHAIN_API_URL: '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

type Route = (request: IncomingMessage, body: string, url: URL) => [number, unknown];

function startFakeNode(routes: Record<string, Route>): Promise<{ server: Server; url: string }> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const key = `${request.method} ${url.pathname.replace(/\/[0-9a-f]{64}$/, '/:key')}`;
      const route = routes[key];
      const [status, answer] =
        route === undefined
          ? [404, { status: 404, code: 'not_found', detail: `no route ${key}` }]
          : route(request, body, url);
      const type = status >= 400 ? 'application/problem+json' : 'application/json';
      response.writeHead(status, { 'content-type': type }).end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

const STATUS = {
  chainId: 'medchain-test',
  genesisHash: 'aa'.repeat(32),
  height: 7,
  lastBlockHash: 'bb'.repeat(32),
  lastBlockTime: 1763740000000,
  validators: [{ publicKey: 'cc'.repeat(32), organization: 'org-a', power: 1 }],
  mempool: { size: 2, capacity: 100000 },
  version: '0.1.0',
};

let directory = '';
let node: { server: Server; url: string };
const submitted: unknown[] = [];
let receiptCode = 0;

const FAKE_ROUTES: Record<string, Route> = {
  'GET /v1/status': () => [200, STATUS],
  'GET /v1/accounts/:key': () => [200, { nonce: 3, pendingNonce: 4, key: null }],
  'GET /v1/state/identity/organization': (_request, _body, url) => [
    200,
    {
      height: 7,
      key: `identity/org/${url.searchParams.get('id')}`,
      value: { id: url.searchParams.get('id'), name: 'Org A' },
      proof: { siblings: ['ee'] },
      header: { stateRoot: 'ff'.repeat(32) },
      blockHash: 'bb'.repeat(32),
      commit: { height: 7, round: 0, blockHash: 'bb'.repeat(32), signatures: [] },
    },
  ],
  'GET /v1/blocks/99': () => [404, { status: 404, code: 'not_found', detail: 'no block 99' }],
  'POST /v1/tx': (_request, body, url) => {
    assert.equal(url.searchParams.get('wait'), 'commit');
    submitted.push(JSON.parse(body));
    const name = receiptCode === 0 ? 'ok' : 'identity.not_member';
    const receipt = { transactionHash: 'dd', code: receiptCode, name, message: '', events: [] };
    return [200, { hash: 'dd'.repeat(32), status: 'committed', height: 8, index: 0, receipt }];
  },
};

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'medchain-cli-'));
  node = await startFakeNode(FAKE_ROUTES);
});

after(async () => {
  node.server.close();
  await rm(directory, { recursive: true, force: true });
});

describe('medchain help and usage', () => {
  it('lists every command in --help, with examples', async () => {
    const run = await medchain(['--help']);
    assert.equal(run.code, 0);
    for (const name of ['init', 'up', 'keys', 'tx', 'query', 'status', 'block', 'verify']) {
      assert.match(run.stdout, new RegExp(`^  ${name}\\b`, 'm'), `missing ${name}`);
    }
    assert.match(run.stdout, /Examples:/);
  });

  it('gives each command its own help with examples', async () => {
    const runs = await Promise.all(
      ['keys', 'keys new', 'tx', 'query', 'status', 'block', 'init', 'up', 'verify'].map((name) =>
        medchain([...name.split(' '), '--help']),
      ),
    );
    for (const run of runs) {
      assert.equal(run.code, 0);
      assert.match(run.stdout, /Examples:\n {2}\$ medchain /);
    }
  });

  it('stops quietly when its reader closes the pipe early, as `| head` does', async () => {
    const nodeArgs = [...(isSource ? ['--import', 'tsx'] : []), entry, '--help'];
    const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('exits 2 with an error line on wrong usage', async () => {
    const run = await medchain(['no-such-command']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: usage: /);
    const missing = await medchain(['tx', 'identity', 'vote']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--key/);
  });
});

describe('medchain keys', () => {
  it('creates a 0600 encrypted keystore and shows only public keys', async () => {
    const out = join(directory, 'alice.json');
    const env = { PASS: 'correct horse' };
    const created = await medchain(['keys', 'new', '--out', out, '--passphrase-env', 'PASS'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    const shown = await medchain(['keys', 'show', out, '--json']);
    const summary = JSON.parse(shown.stdout) as Record<string, unknown>;
    assert.equal(summary.encrypted, true);
    assert.match(String(summary.signingPublicKey), /^[0-9a-f]{64}$/);
    const file = JSON.parse(await readFile(out, 'utf8')) as { crypto: { ciphertext: string } };
    assert.ok(!shown.stdout.includes(file.crypto.ciphertext));
    const again = await medchain(['keys', 'new', '--out', out, '--passphrase-env', 'PASS'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: file_exists: /);
  });

  it('refuses to write a key without a passphrase when not on a terminal', async () => {
    const run = await medchain(['keys', 'new', '--out', join(directory, 'x.json')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /passphrase/);
  });
});

describe('medchain status, query and block', () => {
  it('prints status for people and for scripts', async () => {
    const human = await medchain(['status', '--api', node.url]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^chain +medchain-test$/m);
    assert.match(human.stdout, /^height +7$/m);
    const json = await medchain(['status', '--json'], { MEDCHAIN_API_URL: node.url });
    assert.deepEqual(JSON.parse(json.stdout), STATUS);
  });

  it('queries state with key=value parameters, and shows the proof on request', async () => {
    const run = await medchain([
      'query',
      'identity',
      'organization',
      'id=org-a',
      '--api',
      node.url,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^key +identity\/org\/org-a$/m);
    assert.match(run.stdout, /"name": "Org A"/);
    assert.doesNotMatch(run.stdout, /siblings/);
    const args = ['query', 'identity', 'organization', 'id=org-a', '--proof', '--json'];
    const proven = await medchain([...args, '--api', node.url]);
    assert.deepEqual(JSON.parse(proven.stdout).proof, { siblings: ['ee'] });
    const bad = await medchain(['query', 'identity', 'organization', 'org-a', '--api', node.url]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: usage: query parameters are key=value/);
  });

  it('reports API problems as error: <code>: <detail> and exits 1', async () => {
    const run = await medchain(['block', '99', '--api', node.url]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: not_found: no block 99\n');
  });
});

describe('medchain tx', () => {
  it('signs with the pending nonce, submits and waits for the commit', async () => {
    const key = join(directory, 'signer.json');
    const env = { PASS: 'pw' };
    await medchain(['keys', 'new', '--out', key, '--passphrase-env', 'PASS'], env);
    const args = ['tx', 'identity', 'vote', '--args', '{"proposal":1,"approve":true}'];
    const run = await medchain(
      [...args, '--key', key, '--passphrase-env', 'PASS', '--api', node.url],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^height +8 \(index 0\)$/m);
    assert.match(run.stdout, /^result +0 ok$/m);
    const decoded = decodeTransaction(submitted.at(-1));
    assert.ok(decoded.ok);
    assert.equal(decoded.value.nonce, 4);
    assert.equal(decoded.value.chainId, 'medchain-test');
    assert.ok(verifyTransactionSignature(pureCrypto, decoded.value));

    receiptCode = 7;
    const failed = await medchain(
      [...args, '--key', key, '--passphrase-env', 'PASS', '--api', node.url, '--json'],
      env,
    );
    receiptCode = 0;
    assert.equal(failed.code, 1);
    assert.equal(JSON.parse(failed.stdout).receipt.code, 7);
    assert.match(failed.stderr, /^error: identity\.not_member: /);
  });

  it('rejects a wrong passphrase with its code', async () => {
    const key = join(directory, 'bob.json');
    await medchain(['keys', 'new', '--out', key, '--passphrase-env', 'PASS'], { PASS: 'right' });
    const run = await medchain(
      ['tx', 'identity', 'vote', '--key', key, '--passphrase-env', 'PASS', '--api', node.url],
      { PASS: 'wrong' },
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: wrong_passphrase: /);
  });
});
