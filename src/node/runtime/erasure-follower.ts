/**
 * The custodian's side of erasure: for every `records.erasure_requested` committed for a
 * record this organization holds, the vault destroys the ciphertext and every key wrap of
 * every version, then submits `records.confirmErasure` (its hash is the patient's receipt).
 *
 * It follows committed blocks, not live events, from a cursor kept on disk: the height up
 * to which every erasure request has been handled. On start it scans from the cursor to
 * the tip, so a request committed while this node was down (or while its erasure failed)
 * is carried out on restart; the cursor advances only past blocks whose erasures all
 * completed, and is written when a block held one, every CURSOR_EVERY blocks, and on stop,
 * so a restart rescans at most a few hundred blocks. Handling a record twice is harmless:
 * the destruction is idempotent and the confirmation is sent only while the chain still
 * waits for it.
 *
 * Blocks committed while it runs are scanned from the node's live events, not read back
 * from the store: reading every block's transactions and receipts again cost a validator
 * about 3% of its CPU under load, for blocks that almost never hold an erasure.
 */
import { readFileSync } from 'node:fs';
import type { Anchor, RecordHead } from '../../protocol/contracts/records/types.js';
import type { JsonObject } from '../../protocol/core/canonical.js';
import type { StateLookup } from '../api/auth.js';
import type { TransactionEvent } from '../api/backend.js';
import type { ChainStore } from '../storage/chain-store.js';
import type { VaultBackend } from '../vault/vault-backend.js';
import type { Logger } from './logger.js';
import type { MedchainNode } from './medchain-node.js';
import { replaceFileSync } from './replace-file.js';

/** Persist the cursor at least this often while blocks without erasures go by. */
const CURSOR_EVERY = 256;
/** After a failed erasure, try again this much later (the block is rescanned). */
const RETRY_MS = 5_000;

export type ErasureSubmit = (
  module: string,
  action: string,
  args: JsonObject,
) => Promise<{ hash: string; code: number; name: string; message: string }>;

export interface ErasureFollowerParams {
  node: Pick<MedchainNode, 'subscribe'> & { deps: { store: Pick<ChainStore, ErasureStoreReads> } };
  backend: VaultBackend;
  lookup: StateLookup;
  organization: string;
  logger: Logger;
  submit: ErasureSubmit;
  /** Where the cursor is kept (a small JSON file in the node directory). */
  cursorPath: string;
  retryMs?: number;
}

type ErasureStoreReads = 'latestHeight' | 'blockTransactions';

export interface ErasureFollower {
  /** Resolves once every block committed so far has been handled (or has failed). */
  idle(): Promise<void>;
  /** The height up to which every erasure request has been handled. */
  cursor(): number;
  stop(): void;
}

function readCursor(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      // A vault that never kept a cursor scans the whole chain once.
      return 0;
    }
    throw error;
  }
  const height = (JSON.parse(text) as { height?: unknown }).height;
  if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0) {
    throw new Error(`${path}: not an erasure cursor`);
  }
  return height;
}

function writeCursor(path: string, height: number): void {
  replaceFileSync(path, `${JSON.stringify({ height })}\n`);
}

/** Adds to `found` the record ids of this organization's erasure requests among `events`. */
function collectRequests(
  organization: string,
  events: TransactionEvent['events'],
  found: string[],
): void {
  for (const event of events) {
    if (event.type !== 'records.erasure_requested') {
      continue;
    }
    const { record, custodian } = event.attributes as { record?: unknown; custodian?: unknown };
    if (custodian === organization && typeof record === 'string') {
      found.push(record);
    }
  }
}

/** Record ids whose erasure this organization was asked for in the stored block at `height`. */
function requestedAt(params: ErasureFollowerParams, height: number): string[] {
  const found: string[] = [];
  for (const { receipt } of params.node.deps.store.blockTransactions(height)) {
    if (receipt.code === 0) {
      collectRequests(params.organization, receipt.events, found);
    }
  }
  return found;
}

/** Destroys every version's ciphertext and wraps, then confirms unless already confirmed. */
export async function eraseRecord(params: ErasureFollowerParams, record: string): Promise<void> {
  const head = params.lookup('records', 'record', { id: record }) as RecordHead | null;
  if (head === null || head.custodian !== params.organization) {
    return;
  }
  for (let version = 1; version <= head.versions; version++) {
    const anchor = params.lookup('records', 'version', {
      id: record,
      version: String(version),
    }) as Anchor | null;
    if (anchor !== null) {
      // Tombstone first, then wraps, then ciphertext: a crash midway finishes on reopen.
      await params.backend.eraseObject(anchor.contentHash);
    }
  }
  const erasure = params.lookup('records', 'erasure', { record }) as { status?: string } | null;
  if (head.status === 'erased' || erasure?.status === 'confirmed') {
    return;
  }
  const receipt = await params.submit('records', 'confirmErasure', { record });
  if (receipt.code !== 0 && receipt.name !== 'records.record_erased') {
    throw new Error(`confirmErasure: ${receipt.name}`);
  }
  params.logger.info('vault erasure confirmed', { record, result: receipt.name });
}

export function followErasures(params: ErasureFollowerParams): ErasureFollower {
  const { logger, cursorPath } = params;
  const store = params.node.deps.store;
  let cursor = readCursor(cursorPath);
  let written = cursor;
  let target = store.latestHeight();
  let running: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;

  const persist = () => {
    if (written !== cursor) {
      writeCursor(cursorPath, cursor);
      written = cursor;
    }
  };

  // Every block from `liveFrom` on is heard of as it commits; `live` holds the requests
  // of those that had any, until they are handled.
  let liveFrom = Number.POSITIVE_INFINITY;
  const live = new Map<number, string[]>();
  const recordsAt = (height: number): string[] =>
    height >= liveFrom ? (live.get(height) ?? []) : requestedAt(params, height);

  const drain = async () => {
    while (cursor < target && !stopped) {
      const height = cursor + 1;
      const records = recordsAt(height);
      for (const record of records) {
        await eraseRecord(params, record);
      }
      live.delete(height);
      cursor = height;
      if (records.length > 0 || cursor - written >= CURSOR_EVERY) {
        persist();
      }
    }
  };

  const kick = (height: number) => {
    target = Math.max(target, height);
    if (running !== undefined || stopped) {
      return;
    }
    running = drain()
      .catch((error: Error) => {
        // Only ids and the error's name: a message could carry request data.
        logger.warn('vault erasure failed; will retry', { height: cursor + 1, error: error.name });
        retry ??= setTimeout(() => {
          retry = undefined;
          kick(target);
        }, params.retryMs ?? RETRY_MS);
        retry.unref?.();
      })
      .finally(() => {
        running = undefined;
        if (cursor < target && retry === undefined) {
          kick(target);
        }
      });
  };

  const unsubscribe = params.node.subscribe({
    // A block's transactions are told right after the block, in the same turn: handle the
    // block once they have all been heard.
    block: (event) => {
      liveFrom = Math.min(liveFrom, event.height);
      queueMicrotask(() => kick(event.height));
    },
    transaction: (event) => {
      if (event.code !== 0 || event.height < liveFrom) {
        return;
      }
      const found: string[] = [];
      collectRequests(params.organization, event.events, found);
      if (found.length > 0) {
        live.set(event.height, [...(live.get(event.height) ?? []), ...found]);
      }
    },
  });
  if (cursor < target) {
    logger.info('vault erasure scan', { from: cursor + 1, to: target });
  }
  kick(target);

  return {
    idle: async () => {
      while (running !== undefined) {
        await running;
      }
    },
    cursor: () => cursor,
    stop: () => {
      stopped = true;
      unsubscribe();
      if (retry !== undefined) {
        clearTimeout(retry);
      }
      persist();
    },
  };
}
