/**
 * The HTTP API (v1) as a Hono app over an ApiBackend. It parses and validates at the edge,
 * translates every failure to problem+json in one place, and never lets a bad request reach
 * state: a request either passes every check or changes nothing.
 */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { isHex } from '../../protocol/core/bytes.js';
import { pureCrypto } from '../../protocol/core/crypto.js';
import { Authenticator, authRoutes, type StateLookup } from './auth.js';
import type { ApiBackend } from './backend.js';
import { fhirRoutesFor } from './fhir/auth.js';
import { openApiDocument } from './openapi.js';
import { type ProblemCode, problem, problemResponse } from './problem.js';
import { authorizeStateQuery, PROTECTED_MODULES } from './state-policy.js';
import { EVENTS_PER_WRITE_MAX, EVENTS_QUEUED_MAX, SubscriberQueue } from './subscriber-queue.js';

export interface ApiOptions {
  /** Largest body for POST /v1/tx. */
  transactionBodyBytesMax?: number;
  /** Largest body for POST /v1/txs. */
  batchBodyBytesMax?: number;
  batchSizeMax?: number;
  waitTimeoutMsMax?: number;
  /** Authenticates members (docs/spec/auth.md); default: one over this backend's state. */
  authenticator?: Authenticator;
  /** The vault's routes (createVaultRoutes with the node's real gate), mounted when given. */
  vault?: Hono;
}

/** One query's value from committed state, without the proof the HTTP answer carries. */
export function backendLookup(backend: ApiBackend): StateLookup {
  return (module, name, params) => {
    const answer = backend.query(module, name, params);
    return 'code' in answer ? null : answer.value;
  };
}

/** An Authenticator reading keys from the backend's state at the current height. */
export function backendAuthenticator(backend: ApiBackend): Authenticator {
  return new Authenticator({
    lookup: backendLookup(backend),
    verify: (publicKey, message, signature) =>
      pureCrypto.verifyEd25519(signature, message, publicKey),
  });
}

const DEFAULTS = {
  transactionBodyBytesMax: 128 * 1024,
  batchBodyBytesMax: 64 * 1024 * 1024,
  batchSizeMax: 10_000,
  waitTimeoutMsMax: 60_000,
};

class RequestProblem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

export function createApi(backend: ApiBackend, options: ApiOptions = {}): Hono {
  const { authenticator, vault, ...rest } = options;
  const limits = { ...DEFAULTS, ...rest };
  const auth = authenticator ?? backendAuthenticator(backend);
  const app = new Hono();
  const tooLarge = (max: number) =>
    bodyLimit({
      maxSize: max,
      onError: () => problemResponse(problem('payload_too_large', `body exceeds ${max} bytes`)),
    });

  app.onError((error) => {
    if (error instanceof RequestProblem) {
      return problemResponse(problem(error.code, error.detail, error.field));
    }
    console.error('medchain api: unexpected error', error);
    return problemResponse(problem('internal', 'an unexpected error occurred'));
  });
  app.notFound((c) =>
    problemResponse(problem('not_found', `no route for ${c.req.method} ${c.req.path}`)),
  );

  app.get('/openapi.json', (c) => c.json(openApiDocument(backend.modules())));
  app.get('/v1/status', (c) => c.json(backend.status()));
  app.get('/v1/modules', (c) => c.json({ modules: backend.modules() }));

  app.post('/v1/tx', tooLarge(limits.transactionBodyBytesMax), async (c) => {
    const value = await readJson(c);
    const result = await backend.submit(value);
    if (!result.ok) {
      return problemResponse(result.problem);
    }
    if (c.req.query('wait') !== 'commit') {
      return c.json({ hash: result.hash, status: 'pending' }, 202);
    }
    const timeoutMs = parseTimeout(c.req.query('timeoutMs'), limits.waitTimeoutMsMax);
    const committed = await backend.waitForCommit(result.hash, timeoutMs);
    if (committed === undefined) {
      const detail =
        `not committed within ${timeoutMs} ms; ` +
        `it may still commit (GET /v1/tx/${result.hash})`;
      return problemResponse(problem('timeout', detail));
    }
    const { hash, height, index, receipt } = committed;
    return c.json({ hash, status: 'committed', height, index, receipt });
  });

  app.post('/v1/txs', tooLarge(limits.batchBodyBytesMax), async (c) => {
    const text = await readText(c);
    const value = parseJson(text);
    const transactions = (value as { transactions?: unknown } | null)?.transactions;
    if (!Array.isArray(transactions)) {
      throw new RequestProblem(
        'invalid_transaction',
        'body must be { "transactions": [ ... ] }',
        'transactions',
      );
    }
    if (transactions.length > limits.batchSizeMax) {
      throw new RequestProblem(
        'payload_too_large',
        `at most ${limits.batchSizeMax} transactions per batch`,
      );
    }
    const results = (await backend.submitMany(transactions, text)).map((result) =>
      result.ok ? { hash: result.hash } : { error: result.problem },
    );
    return c.json({ results });
  });

  registerReads(app, backend, auth);
  app.get('/v1/events', (c) => events(c, backend));
  app.route('/', authRoutes(auth));
  app.route('/fhir/R4', fhirRoutesFor(backend, auth));
  if (vault !== undefined) {
    app.route('/', vault);
  }
  return app;
}

function registerReads(app: Hono, backend: ApiBackend, auth: Authenticator): void {
  app.get('/v1/tx/:hash', (c) => {
    const hash = requireHash(c.req.param('hash'));
    const found = backend.transaction(hash);
    if (found === undefined) {
      throw new RequestProblem('not_found', `no transaction ${hash}`);
    }
    if (found === 'pending') {
      return c.json({ hash, status: 'pending' });
    }
    const { height, index, transaction, receipt } = found;
    return c.json({ hash, status: 'committed', height, index, transaction, receipt });
  });
  app.get('/v1/tx/:hash/proof', (c) => {
    const hash = requireHash(c.req.param('hash'));
    const proof = backend.transactionProof(hash);
    if (proof === undefined) {
      throw new RequestProblem('not_found', `no committed transaction ${hash}`);
    }
    return c.json(proof);
  });
  app.get('/v1/blocks/:height', (c) => {
    const text = c.req.param('height');
    const height = text === 'latest' ? 'latest' : parseHeight(text);
    const block = backend.block(height);
    if (block === undefined) {
      throw new RequestProblem('not_found', `no block at height ${text}`);
    }
    return c.json(block);
  });
  app.get('/v1/accounts/:publicKey', (c) => {
    const publicKey = c.req.param('publicKey');
    if (!isHex(publicKey, 32)) {
      throw new RequestProblem(
        'invalid_params',
        'publicKey must be 32 bytes of lowercase hex',
        'publicKey',
      );
    }
    return c.json({ publicKey, ...backend.account(publicKey) });
  });
  app.get('/v1/state/:module/:query', async (c) => {
    const module = c.req.param('module');
    const name = c.req.param('query');
    const params = c.req.query();
    if (PROTECTED_MODULES.includes(module)) {
      // Who reads whose records is itself sensitive: authenticate, then check the object.
      const authenticated = await auth.authenticate(c.req.raw);
      if (!authenticated.ok) {
        return problemResponse(problem('unauthenticated', authenticated.reason));
      }
      const decision = authorizeStateQuery(
        authenticated.principal,
        { module, name, params },
        { lookup: backendLookup(backend), latestTime: () => backend.status().lastBlockTime },
      );
      if (!decision.ok) {
        return problemResponse(problem('forbidden', decision.detail));
      }
    }
    const answer = backend.query(module, name, params);
    if ('code' in answer) {
      return problemResponse(answer);
    }
    return c.json(answer);
  });
}

async function readJson(c: Context): Promise<unknown> {
  return parseJson(await readText(c));
}

/** The body of a request that must be JSON, not yet parsed. */
async function readText(c: Context): Promise<string> {
  const type = c.req.header('content-type');
  if (type !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new RequestProblem('unsupported_media_type', `send application/json, not ${type}`);
  }
  return c.req.text();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestProblem(
      'malformed_json',
      `body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function requireHash(text: string): string {
  if (!isHex(text, 32)) {
    throw new RequestProblem(
      'invalid_params',
      'a transaction hash is 32 bytes of lowercase hex',
      'hash',
    );
  }
  return text;
}

function parseHeight(text: string): number {
  if (!/^\d{1,15}$/.test(text)) {
    throw new RequestProblem(
      'invalid_params',
      'height must be a non-negative integer or "latest"',
      'height',
    );
  }
  return Number(text);
}

function parseTimeout(text: string | undefined, max: number): number {
  if (text === undefined) {
    return Math.min(10_000, max);
  }
  if (!/^\d{1,9}$/.test(text)) {
    throw new RequestProblem(
      'invalid_params',
      'timeoutMs must be a whole number of milliseconds',
      'timeoutMs',
    );
  }
  return Math.min(Number(text), max);
}

/**
 * Server-sent events. A subscriber that stops reading is never allowed to grow memory
 * without bound, and never silently loses events either: past the limit the stream sends
 * the whole blocks it holds, then `event: overflow` with the height to resume from
 * (`?from=`), and closes.
 */
function events(c: Context, backend: ApiBackend): Response {
  const from = c.req.query('from');
  const fromHeight = from === undefined ? undefined : parseHeight(from);
  return streamSSE(c, async (stream) => {
    const queue = new SubscriberQueue(EVENTS_QUEUED_MAX);
    let wake: (() => void) | undefined;
    // Undefined while `?from=` replays stored blocks inside subscribe(): an overflow there
    // unsubscribes as soon as subscribe returns.
    let unsubscribeLive: (() => void) | undefined;
    const unsubscribe = () => unsubscribeLive?.();
    const push = (event: string, data: { height: number }) => {
      queue.push(event, data);
      if (queue.resumeFrom !== undefined) {
        unsubscribe();
      }
      wake?.();
    };
    unsubscribeLive = backend.subscribe(
      { block: (event) => push('block', event), transaction: (event) => push('tx', event) },
      fromHeight,
    );
    if (queue.resumeFrom !== undefined) {
      unsubscribe();
    }
    stream.onAbort(unsubscribe);
    while (!stream.aborted) {
      // Everything queued goes out in one write: a block of thousands of transactions is
      // thousands of events, and a write (a promise and an encode) per event cost the node
      // more than the events themselves.
      const pending = queue.drain(EVENTS_PER_WRITE_MAX);
      if (pending !== '') {
        await stream.write(pending);
      } else if (queue.resumeFrom !== undefined) {
        const data = JSON.stringify({ resumeFrom: queue.resumeFrom });
        await stream.writeSSE({ event: 'overflow', data });
        break;
      } else {
        const woken = await new Promise<'event' | 'idle'>((resolve) => {
          const timer = setTimeout(() => resolve('idle'), 15_000);
          wake = () => {
            clearTimeout(timer);
            resolve('event');
          };
        });
        wake = undefined;
        if (woken === 'idle' && !stream.aborted) {
          // Proxies close connections that stay silent; a comment line keeps this one open.
          await stream.write(': keep-alive\n\n');
        }
      }
    }
    unsubscribe();
  });
}
