/**
 * The HTTP API against a real node on memory storage: every bad-input class answers a 4xx
 * problem+json with its stable code and changes nothing; good transactions commit with
 * receipts and proofs that verify offline.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { toHex } from '../../protocol/core/bytes.js';
import {
  signTransaction,
  type Transaction,
  type UnsignedTransaction,
} from '../../protocol/ledger/transaction.js';
import { createMemoryNode, type MemoryNode, TEST_CHAIN_ID } from '../../testing/memory-node.js';

let chain: MemoryNode;

function registration(
  nonce: number,
  id: string,
  overrides: Partial<UnsignedTransaction> = {},
): Transaction {
  const member = chain.signer(id);
  return signTransaction(chain.admins.hospital, {
    chainId: TEST_CHAIN_ID,
    signer: toHex(chain.admins.hospital.publicKey),
    nonce,
    module: 'identity',
    action: 'registerMember',
    args: {
      id,
      kind: 'patient',
      signingKey: toHex(member.publicKey),
      encryptionKey: chain.encryptionKey(id),
    },
    ...overrides,
  });
}

async function post(path: string, body: string, type = 'application/json'): Promise<Response> {
  return chain.request(path, { method: 'POST', body, headers: { 'content-type': type } });
}

async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  assert.equal(response.status, status, `status for ${code}`);
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  assert.equal(body.code, code);
  assert.equal(typeof body.detail, 'string');
  return body;
}

/** Nothing changed: height, mempool and state root are what they were. */
async function snapshot(): Promise<string> {
  const status = (await (await chain.request('/v1/status')).json()) as Record<string, unknown>;
  return JSON.stringify([status.height, status.lastBlockHash, status.mempool]);
}

beforeEach(() => {
  chain = createMemoryNode();
});

describe('api: bad input is a 4xx with a stable code and no state change', () => {
  const cases: [string, () => Promise<Response>, number, string][] = [
    ['malformed JSON', () => post('/v1/tx', '{not json'), 400, 'malformed_json'],
    [
      'wrong media type',
      () => post('/v1/tx', 'a=1', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    ],
    ['not an object', () => post('/v1/tx', '[1,2]'), 400, 'invalid_transaction'],
    [
      'wrong type',
      () => post('/v1/tx', JSON.stringify({ ...registration(0, 'p-one'), nonce: '0' })),
      400,
      'invalid_transaction',
    ],
    [
      'unknown field',
      () => post('/v1/tx', JSON.stringify({ ...registration(0, 'p-one'), extra: 1 })),
      400,
      'invalid_transaction',
    ],
    [
      'wrong chain',
      () => post('/v1/tx', JSON.stringify(registration(0, 'p-one', { chainId: 'other-chain' }))),
      400,
      'wrong_chain',
    ],
    ['nonce gap', () => post('/v1/tx', JSON.stringify(registration(5, 'p-one'))), 409, 'nonce_gap'],
    [
      'unknown module',
      () => post('/v1/tx', JSON.stringify(registration(0, 'p-one', { module: 'nope' }))),
      404,
      'unknown_module',
    ],
    [
      'unknown action',
      () => post('/v1/tx', JSON.stringify(registration(0, 'p-one', { action: 'nope' }))),
      404,
      'unknown_action',
    ],
    [
      'invalid args',
      () => post('/v1/tx', JSON.stringify(registration(0, 'p-one', { args: { id: 'x' } }))),
      400,
      'invalid_transaction',
    ],
    [
      'oversize body',
      () => post('/v1/tx', `{"pad":"${'x'.repeat(200 * 1024)}"}`),
      413,
      'payload_too_large',
    ],
    ['bad hash', () => chain.request('/v1/tx/xyz'), 400, 'invalid_params'],
    ['unknown tx', () => chain.request(`/v1/tx/${'ab'.repeat(32)}`), 404, 'not_found'],
    ['bad height', () => chain.request('/v1/blocks/-1'), 400, 'invalid_params'],
    ['missing block', () => chain.request('/v1/blocks/99'), 404, 'not_found'],
    ['unknown query module', () => chain.request('/v1/state/nope/x'), 404, 'unknown_module'],
    ['unknown route', () => chain.request('/v2/anything'), 404, 'not_found'],
  ];
  for (const [name, send, status, code] of cases) {
    test(name, async () => {
      const before = await snapshot();
      await expectProblem(await send(), status, code);
      chain.node.produceBlock();
      assert.equal(await snapshot(), before);
    });
  }

  test('a tampered signature is bad_signature', async () => {
    const transaction = registration(0, 'p-one');
    const flipped = (Number.parseInt(transaction.signature[0]!, 16) ^ 1).toString(16);
    const body = JSON.stringify({
      ...transaction,
      signature: flipped + transaction.signature.slice(1),
    });
    const problem = await expectProblem(await post('/v1/tx', body), 400, 'bad_signature');
    assert.equal(problem.field, 'signature');
  });

  test('an unknown signer is refused', async () => {
    const stranger = chain.signer('stranger');
    const transaction = signTransaction(stranger, {
      ...registration(0, 'p-one'),
      signer: toHex(stranger.publicKey),
    });
    await expectProblem(await post('/v1/tx', JSON.stringify(transaction)), 403, 'unknown_signer');
  });

  test('a replayed transaction is a duplicate, a reused nonce is stale', async () => {
    const first = registration(0, 'p-one');
    assert.equal((await post('/v1/tx', JSON.stringify(first))).status, 202);
    await expectProblem(await post('/v1/tx', JSON.stringify(first)), 409, 'duplicate_transaction');
    chain.node.produceBlock();
    await expectProblem(await post('/v1/tx', JSON.stringify(first)), 409, 'duplicate_transaction');
    await expectProblem(
      await post('/v1/tx', JSON.stringify(registration(0, 'p-two'))),
      409,
      'stale_nonce',
    );
  });
});

describe('api: committing and proving', () => {
  test('status and openapi', async () => {
    const status = (await (await chain.request('/v1/status')).json()) as Record<string, unknown>;
    assert.equal(status.chainId, TEST_CHAIN_ID);
    assert.equal(status.height, 0);
    assert.equal((status.validators as unknown[]).length, 1);
    const openapi = (await (await chain.request('/openapi.json')).json()) as Record<
      string,
      unknown
    >;
    assert.equal(openapi.openapi, '3.1.0');
    assert.ok((openapi.paths as Record<string, unknown>)['/v1/tx']);
  });

  test('wait=commit answers with the receipt; the transaction and block are readable', async () => {
    const transaction = registration(0, 'p-one');
    setTimeout(() => chain.node.produceBlock(), 10);
    const response = await post('/v1/tx?wait=commit', JSON.stringify(transaction));
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      hash: string;
      height: number;
      receipt: { code: number };
    };
    assert.equal(body.height, 1);
    assert.equal(body.receipt.code, 0);
    const read = (await (await chain.request(`/v1/tx/${body.hash}`)).json()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(read.transaction, transaction);
    const block = (await (await chain.request('/v1/blocks/latest')).json()) as {
      header: { height: number };
    };
    assert.equal(block.header.height, 1);
    const account = (await (
      await chain.request(`/v1/accounts/${transaction.signer}`)
    ).json()) as Record<string, unknown>;
    assert.equal(account.nonce, 1);
  });

  test('a batch admits each transaction on its own', async () => {
    const body = JSON.stringify({
      transactions: [registration(0, 'p-one'), registration(0, 'p-two'), registration(1, 'p-two')],
    });
    const response = await post('/v1/txs', body);
    const { results } = (await response.json()) as {
      results: ({ hash: string } | { error: { code: string } })[];
    };
    assert.equal(results.length, 3);
    assert.ok('hash' in results[0]!);
    assert.equal('error' in results[1]! && results[1].error.code, 'stale_nonce');
    assert.ok('hash' in results[2]!);
    assert.equal(chain.node.produceBlock()?.transactionCount, 2);
  });

  test('events stream blocks and transactions', async () => {
    const response = await chain.request('/v1/events');
    const reader = response.body!.getReader();
    await post('/v1/tx', JSON.stringify(registration(0, 'p-one')));
    chain.node.produceBlock();
    let text = '';
    while (!text.includes('event: tx')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    assert.match(text, /event: block\ndata: \{"height":1/);
  });
});

describe('api: a subscriber that falls behind is told, not silently dropped', () => {
  test('overflow ends the stream with the height to resume from', async () => {
    const from = chain.node.height + 1;
    const batch = [];
    for (let nonce = 0; nonce < 10_050; nonce++) {
      batch.push(registration(nonce, `p-${nonce}`));
    }
    for (let start = 0; start < batch.length; start += 1_000) {
      await post('/v1/txs', JSON.stringify({ transactions: batch.slice(start, start + 1_000) }));
      chain.node.produceBlock();
    }
    // Replaying these blocks queues their 10,000+ events at once, before anything is sent:
    // more than the limit, whatever the socket buffers would have absorbed.
    const response = await chain.request(`/v1/events?from=${from}`);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('event: overflow')) {
      const { value, done } = await reader.read();
      assert.equal(done, false, 'the stream must announce the overflow before it ends');
      text += new TextDecoder().decode(value);
    }
    const match = /event: overflow\ndata: \{"resumeFrom":(\d+)\}/.exec(text);
    assert.ok(match, 'overflow carries resumeFrom');
    const resumeFrom = Number(match[1]);
    const lastBlockSent = [...text.matchAll(/event: block\ndata: \{"height":(\d+)/g)].at(-1);
    assert.equal(Number(lastBlockSent?.[1] ?? 0) + 1, resumeFrom, 'only whole blocks are sent');
  });
});
