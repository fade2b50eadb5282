/**
 * The HTTP API client (docs/api.md). One method per endpoint, plus `send`, which does the
 * usual ask-nonce, sign, submit, wait sequence. Transport is an injected `fetch` taking a
 * Request, so tests run the client against an in-memory server and browsers use their own.
 */
import type { Bytes } from '../protocol/core/bytes.js';
import { toHex } from '../protocol/core/bytes.js';
import type { Signer } from '../protocol/core/crypto.js';
import { isPlainObject, type Transaction } from '../protocol/ledger/transaction.js';
import type {
  AccountInfo,
  BatchResult,
  BlockEventData,
  BlockResponse,
  ChainStreamEvent,
  ModuleInfo,
  NodeStatus,
  QueryResponse,
  Submission,
  TransactionEventData,
  TransactionLookup,
  TransactionProof,
} from './api-types.js';
import { MedchainApiError, MedchainNetworkError, type Problem } from './errors.js';
import { bodySha256Hex, signRequestHeaders } from './request-auth.js';
import { type ServerSentEvent, ServerSentEventParser } from './sse.js';
import { buildTransaction, type TransactionCall } from './transactions.js';

export type FetchFunction = (request: Request) => Promise<Response>;

export interface MedchainClientOptions {
  /** Where the node's API listens, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  fetch?: FetchFunction;
  /**
   * Signs every request with this member key (docs/spec/auth.md), as the node requires for
   * protected data: consent and records queries and the vault.
   */
  auth?: Signer;
}

export interface SubmitOptions {
  /** 'commit' holds the answer until the transaction is in a block (or timeoutMs passes). */
  wait?: 'commit' | 'none';
  /** How long the node waits for the commit; the node's default is 10000. */
  timeoutMs?: number;
}

export interface SendOptions extends SubmitOptions {
  expiresAt?: number;
  /** Skips the status request when the caller already knows the chain. */
  chainId?: string;
}

export interface EventsOptions {
  /** Replays committed blocks from this height before following new ones. */
  from?: number;
  /** Ends the stream; iteration then finishes without an error. */
  signal?: AbortSignal;
}

type QueryParams = Record<string, string | number | boolean>;

export interface RequestOptions {
  body?: unknown;
  query?: QueryParams;
  signal?: AbortSignal;
  accept?: string;
  headers?: Record<string, string>;
}

export class MedchainClient {
  readonly baseUrl: string;
  readonly auth: Signer | undefined;
  private readonly fetchFunction: FetchFunction;
  private chainIdCached: string | undefined;

  constructor(options: MedchainClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.auth = options.auth;
    // Looked up at call time, not bound now, so a global replaced later is still honoured.
    this.fetchFunction = options.fetch ?? ((request) => globalThis.fetch(request));
  }

  status(): Promise<NodeStatus> {
    return this.json('GET', '/v1/status');
  }

  submit(transaction: Transaction, options: SubmitOptions = {}): Promise<Submission> {
    const query: QueryParams = {};
    if (options.wait === 'commit') {
      query.wait = 'commit';
      if (options.timeoutMs !== undefined) {
        query.timeoutMs = options.timeoutMs;
      }
    }
    return this.json('POST', '/v1/tx', { body: transaction, query });
  }

  /** One result per transaction, in order; a rejected one does not fail the others. */
  async submitBatch(transactions: readonly Transaction[]): Promise<BatchResult[]> {
    const answer = await this.json<{ results: BatchResult[] }>('POST', '/v1/txs', {
      body: { transactions },
    });
    return answer.results;
  }

  transaction(hash: string): Promise<TransactionLookup> {
    return this.json('GET', `/v1/tx/${encodeURIComponent(hash)}`);
  }

  transactionProof(hash: string): Promise<TransactionProof> {
    return this.json('GET', `/v1/tx/${encodeURIComponent(hash)}/proof`);
  }

  block(height: number | 'latest'): Promise<BlockResponse> {
    return this.json('GET', `/v1/blocks/${height === 'latest' ? 'latest' : String(height)}`);
  }

  account(publicKey: string | Bytes): Promise<AccountInfo> {
    const hex = typeof publicKey === 'string' ? publicKey : toHex(publicKey);
    return this.json('GET', `/v1/accounts/${encodeURIComponent(hex)}`);
  }

  query(module: string, name: string, params: QueryParams = {}): Promise<QueryResponse> {
    const path = `/v1/state/${encodeURIComponent(module)}/${encodeURIComponent(name)}`;
    return this.json('GET', path, { query: params });
  }

  async modules(): Promise<ModuleInfo[]> {
    const answer = await this.json<ModuleInfo[] | { modules: ModuleInfo[] }>('GET', '/v1/modules');
    return Array.isArray(answer) ? answer : answer.modules;
  }

  /** The chain id the node serves, asked once and remembered. */
  async chainId(): Promise<string> {
    this.chainIdCached ??= (await this.status()).chainId;
    return this.chainIdCached;
  }

  /** Asks the pending nonce, signs and submits, waiting for the commit unless told not to. */
  async send(
    signer: Signer,
    call: TransactionCall,
    options: SendOptions = {},
  ): Promise<Submission> {
    const chainId = options.chainId ?? (await this.chainId());
    const account = await this.account(signer.publicKey);
    const transaction = buildTransaction({
      chainId,
      signer,
      nonce: account.pendingNonce,
      ...call,
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    });
    const submitOptions: SubmitOptions = { wait: options.wait ?? 'commit' };
    if (options.timeoutMs !== undefined) {
      submitOptions.timeoutMs = options.timeoutMs;
    }
    return this.submit(transaction, submitOptions);
  }

  /** Follows the node's event stream until `signal` aborts or the node closes it. */
  async *events(options: EventsOptions = {}): AsyncGenerator<ChainStreamEvent> {
    const request: RequestOptions = { accept: 'text/event-stream' };
    if (options.from !== undefined) {
      request.query = { from: options.from };
    }
    if (options.signal !== undefined) {
      request.signal = options.signal;
    }
    let response: Response;
    try {
      response = await this.request('GET', '/v1/events', request);
    } catch (error) {
      // Aborted before the node answered: the caller asked to stop, so stop quietly.
      if (options.signal?.aborted === true) {
        return;
      }
      throw error;
    }
    if (response.body === null) {
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new ServerSentEventParser();
    try {
      while (true) {
        const chunk = await readChunk(reader, response.url || this.baseUrl, options.signal);
        if (chunk === undefined) {
          parser.push(decoder.decode());
          parser.end();
          return;
        }
        for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
          yield toChainEvent(event);
        }
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    const text = await readText(response);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new MedchainNetworkError(response.url, 'the node answered with invalid JSON', {
        cause: error,
      });
    }
  }

  /**
   * Sends a request and answers the raw response (signed when the client has `auth`); a
   * status that is not 2xx becomes a MedchainApiError. `body` is sent as given: bytes are
   * hashed into the signature, JSON values are serialized first.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      accept: options.accept ?? 'application/json',
      ...options.headers,
    };
    const init: RequestInit = { method, headers };
    let bodyText: string | Uint8Array | undefined;
    if (options.body instanceof Uint8Array) {
      headers['content-type'] ??= 'application/octet-stream';
      bodyText = options.body;
      init.body = options.body as Uint8Array<ArrayBuffer>;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      bodyText = JSON.stringify(options.body);
      init.body = bodyText;
    }
    if (this.auth !== undefined) {
      Object.assign(
        headers,
        signRequestHeaders(this.auth, {
          method,
          pathAndQuery: url.pathname + url.search,
          bodySha256: bodySha256Hex(bodyText),
        }),
      );
    }
    if (options.signal !== undefined) {
      init.signal = options.signal;
    }
    let response: Response;
    try {
      response = await this.fetchFunction(new Request(url, init));
    } catch (error) {
      throw new MedchainNetworkError(url.href, `cannot reach ${url.origin}: ${describe(error)}`, {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new MedchainApiError(await problemOf(response));
    }
    return response;
  }
}

async function readText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw new MedchainNetworkError(response.url, 'the connection broke while reading', {
      cause: error,
    });
  }
}

async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  url: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | undefined> {
  try {
    const { done, value } = await reader.read();
    return done ? undefined : value;
  } catch (error) {
    if (signal?.aborted === true) {
      return undefined;
    }
    throw new MedchainNetworkError(url, 'the event stream broke', { cause: error });
  }
}

/** The problem+json body, or a stand-in when a proxy or a crash answered with something else. */
async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isPlainObject(body) && typeof body.code === 'string') {
    const problem: Problem = { status: response.status, code: body.code };
    for (const name of ['type', 'title', 'detail', 'field'] as const) {
      const value = body[name];
      if (typeof value === 'string') {
        problem[name] = value;
      }
    }
    return problem;
  }
  const detail = text.trim().slice(0, 200) || response.statusText || 'no detail';
  return { status: response.status, code: `http_${response.status}`, detail };
}

function toChainEvent(event: ServerSentEvent): ChainStreamEvent {
  const { id } = event;
  if (event.event === 'block' || event.event === 'tx') {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return { type: 'other', event: event.event, data: event.data, id };
    }
    return event.event === 'block'
      ? { type: 'block', block: data as BlockEventData, id }
      : { type: 'tx', transaction: data as TransactionEventData, id };
  }
  return { type: 'other', event: event.event, data: event.data, id };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
