/**
 * The API client against an in-memory node: an injected fetch that routes a Request to a
 * handler and answers with a Response, so every path runs without a socket.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pureCrypto } from '../protocol/core/crypto.js';
import {
  decodeTransaction,
  type Transaction,
  verifyTransactionSignature,
} from '../protocol/ledger/transaction.js';
import type { ChainStreamEvent } from './api-types.js';
import { MedchainClient } from './client.js';
import { MedchainApiError, MedchainNetworkError } from './errors.js';
import { generateSigningKeyPair, signerFromSeed } from './keys.js';
import { ServerSentEventParser } from './sse.js';
import { action } from './transactions.js';

type Handler = (request: Request, url: URL) => Response | Promise<Response>;

function fakeNode(routes: Record<string, Handler>): { client: MedchainClient; seen: Request[] } {
  const seen: Request[] = [];
  const client = new MedchainClient({
    baseUrl: 'http://node.test/',
    fetch: async (request) => {
      seen.push(request.clone());
      const url = new URL(request.url);
      const handler = routes[`${request.method} ${url.pathname}`];
      return handler === undefined ? problem(404, 'not_found', 'no route') : handler(request, url);
    },
  });
  return { client, seen };
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function problem(status: number, code: string, detail: string, field?: string): Response {
  const body = { type: `urn:medchain:problem:${code}`, title: code, status, code, detail, field };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });
}

/** A streamed body that hands out the given chunks one by one. */
function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk === undefined) {
        controller.close();
      } else {
        controller.enqueue(encoder.encode(chunk));
      }
    },
  });
}

describe('MedchainClient', () => {
  it('reads status and lists modules in either shape', async () => {
    const status = { chainId: 'medchain-local', height: 4 };
    const { client, seen } = fakeNode({
      'GET /v1/status': () => json(status),
      'GET /v1/modules': () => json({ modules: [{ name: 'identity', actions: [], queries: [] }] }),
    });
    assert.deepEqual(await client.status(), status);
    assert.equal((await client.modules())[0]?.name, 'identity');
    assert.equal(seen[0]?.url, 'http://node.test/v1/status');
    assert.equal(seen[0]?.headers.get('accept'), 'application/json');
  });

  it('sends: pending nonce, signature, wait=commit', async () => {
    const signer = signerFromSeed(generateSigningKeyPair().seed);
    let submitted: Transaction | undefined;
    const { client, seen } = fakeNode({
      'GET /v1/status': () => json({ chainId: 'medchain-local' }),
      [`GET /v1/accounts/${Buffer.from(signer.publicKey).toString('hex')}`]: () =>
        json({ nonce: 5, pendingNonce: 7, key: null }),
      'POST /v1/tx': async (request, url) => {
        assert.equal(url.searchParams.get('wait'), 'commit');
        assert.equal(url.searchParams.get('timeoutMs'), '2500');
        assert.equal(request.headers.get('content-type'), 'application/json');
        const decoded = decodeTransaction(await request.json());
        assert.ok(decoded.ok);
        submitted = decoded.value;
        const receipt = { transactionHash: 'h', code: 0, name: 'ok', message: '', events: [] };
        return json({ hash: 'h', status: 'committed', height: 9, index: 0, receipt });
      },
    });
    const call = action('identity', 'vote', { proposal: 1, approve: true });
    const result = await client.send(signer, call, { timeoutMs: 2500 });
    assert.equal(result.status, 'committed');
    assert.equal(submitted?.nonce, 7);
    assert.equal(submitted?.chainId, 'medchain-local');
    assert.ok(submitted !== undefined && verifyTransactionSignature(pureCrypto, submitted));
    assert.equal(seen.filter((r) => r.url.endsWith('/v1/status')).length, 1);
  });
});

describe('MedchainClient errors', () => {
  it('turns problem+json into MedchainApiError with every field', async () => {
    const { client } = fakeNode({
      'POST /v1/tx': () => problem(400, 'invalid_transaction', 'nonce is negative', 'nonce'),
      'GET /v1/blocks/99': () => problem(404, 'not_found', 'no block at height 99'),
    });
    const fake = { signature: 'x' } as unknown as Transaction;
    await assert.rejects(client.submit(fake), (error: unknown) => {
      assert.ok(error instanceof MedchainApiError);
      assert.equal(error.code, 'invalid_transaction');
      assert.equal(error.status, 400);
      assert.equal(error.field, 'nonce');
      assert.equal(error.detail, 'nonce is negative');
      return true;
    });
    await assert.rejects(client.block(99), { code: 'not_found', status: 404 });
  });

  it('keeps a usable error when a proxy answers with HTML', async () => {
    const { client } = fakeNode({
      'GET /v1/status': () => new Response('<html>Bad Gateway</html>', { status: 502 }),
    });
    await assert.rejects(client.status(), { code: 'http_502', status: 502 });
  });

  it('wraps a network failure and keeps its cause', async () => {
    const refused = new TypeError('fetch failed');
    const client = new MedchainClient({
      baseUrl: 'http://127.0.0.1:1',
      fetch: () => Promise.reject(refused),
    });
    await assert.rejects(client.status(), (error: unknown) => {
      assert.ok(error instanceof MedchainNetworkError);
      assert.equal(error.code, 'network');
      assert.equal(error.cause, refused);
      return true;
    });
  });
});

describe('MedchainClient reads', () => {
  it('encodes query parameters and state paths', async () => {
    const { client } = fakeNode({
      'GET /v1/state/identity/organization': (_request, url) =>
        json({ height: 3, key: `org/${url.searchParams.get('id')}`, value: null }),
    });
    const answer = await client.query('identity', 'organization', { id: 'a b&c' });
    assert.equal(answer.key, 'org/a b&c');
  });
});

describe('MedchainClient.events', () => {
  it('parses the event stream across arbitrary chunk boundaries', async () => {
    const block = JSON.stringify({ height: 5, hash: 'ab', transactionCount: 1, time: 1 });
    const tx = JSON.stringify({ hash: 'cd', height: 5, index: 0, code: 0, name: 'ok', events: [] });
    const chunks = [
      ': keep-alive\r',
      '\nevent: blo',
      `ck\r\ndata: ${block.slice(0, 10)}`,
      `${block.slice(10)}\r`,
      '\n\r',
      `\nevent: tx\ndata:${tx}\n`,
      '\nevent: ping\ndata: a\ndata: b\n\n',
      'event: tx\ndata: {"unfinished"',
    ];
    const { client, seen } = fakeNode({
      'GET /v1/events': () =>
        new Response(streamOf(chunks), { headers: { 'content-type': 'text/event-stream' } }),
    });
    const events: ChainStreamEvent[] = [];
    for await (const event of client.events({ from: 2 })) {
      events.push(event);
    }
    assert.equal(seen[0]?.url, 'http://node.test/v1/events?from=2');
    assert.equal(seen[0]?.headers.get('accept'), 'text/event-stream');
    assert.deepEqual(events, [
      { type: 'block', block: JSON.parse(block), id: undefined },
      { type: 'tx', transaction: JSON.parse(tx), id: undefined },
      { type: 'other', event: 'ping', data: 'a\nb', id: undefined },
    ]);
  });

  it('ends the event stream quietly when aborted', async () => {
    const controller = new AbortController();
    const { client } = fakeNode({
      'GET /v1/events': (request) => {
        const body = new ReadableStream<Uint8Array>({
          start(stream) {
            stream.enqueue(new TextEncoder().encode('event: block\ndata: {"height":1}\n\n'));
            request.signal.addEventListener('abort', () => stream.error(request.signal.reason));
          },
        });
        return new Response(body);
      },
    });
    const heights: number[] = [];
    for await (const event of client.events({ signal: controller.signal })) {
      if (event.type === 'block') {
        heights.push(event.block.height);
        controller.abort();
      }
    }
    assert.deepEqual(heights, [1]);
  });
});

describe('MedchainClient.events abort', () => {
  it('ends quietly when aborted before the node answers', async () => {
    const controller = new AbortController();
    const client = new MedchainClient({
      baseUrl: 'http://node.test',
      fetch: (request) =>
        new Promise((_resolve, reject) => {
          request.signal.addEventListener('abort', () => reject(request.signal.reason));
        }),
    });
    setTimeout(() => controller.abort(), 10);
    const events: ChainStreamEvent[] = [];
    for await (const event of client.events({ signal: controller.signal })) {
      events.push(event);
    }
    assert.deepEqual(events, []);
  });
});

describe('ServerSentEventParser', () => {
  it('splits one byte at a time and keeps the last id', () => {
    const parser = new ServerSentEventParser();
    const text = 'id: 7\nevent: block\ndata: {}\n\nid: 8\ndata: x\r\n\r\n';
    const events = [...text].flatMap((char) => parser.push(char));
    assert.deepEqual(events, [
      { event: 'block', data: '{}', id: '7' },
      { event: 'message', data: 'x', id: '8' },
    ]);
  });
});
