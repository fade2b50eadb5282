/**
 * Write-ahead-log rules the driver relies on. The engine emits a persist action before the
 * broadcast of anything it signs; the driver appends and fsyncs before executing later
 * actions of the same batch. On restart the driver hands the records back (restore event).
 * A lost WAL (amnesia) is outside the fault model: `checkWalBeforeStart` refuses it.
 */
import type { WalRecord } from './types.js';

export type WalCheck = { ok: true } | { ok: false; reason: string };

export function walRecordHeight(record: WalRecord): number {
  return record.type === 'height' ? record.height : record.message.height;
}

/**
 * A node that has committed height H started height H at some point, and the engine
 * persisted a height marker for it then. A WAL without a marker at H or above has been
 * lost or replaced; starting would let the node sign again what it already signed.
 */
export function checkWalBeforeStart(params: {
  committedHeight: number;
  records: readonly WalRecord[];
}): WalCheck {
  const { committedHeight, records } = params;
  if (committedHeight === 0) {
    return { ok: true };
  }
  let highest = 0;
  for (const record of records) {
    highest = Math.max(highest, walRecordHeight(record));
  }
  if (highest < committedHeight) {
    return {
      ok: false,
      reason:
        `the write-ahead log reaches height ${highest} but the chain is committed to ` +
        `${committedHeight}: the log was lost, and signing again could equivocate`,
    };
  }
  return { ok: true };
}

/** The records a restart replays: those of heights after the last committed one. */
export function walRecordsToReplay(params: {
  committedHeight: number;
  records: readonly WalRecord[];
}): WalRecord[] {
  return params.records.filter((record) => walRecordHeight(record) > params.committedHeight);
}
