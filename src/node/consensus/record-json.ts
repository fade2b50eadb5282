/**
 * JSON text of consensus messages and blocks, each object encoded once. A proposal's block
 * is the largest thing a validator writes (megabytes at full load), and it goes out three
 * times at the proposer: in the write-ahead log's proposal record, in the proposal packet,
 * and in the precommit record that keeps the lock across a crash. All three now splice the
 * same string. The texts differ from JSON.stringify of the whole record only in key order,
 * which no reader depends on (packets and log lines are parsed, never hashed: signatures
 * and block hashes are over the canonical encoding).
 */

import type { ConsensusMessage, WalRecord } from '../../protocol/consensus/types.js';
import type { JsonValue } from '../../protocol/core/canonical.js';

export class RecordJson {
  private readonly blocks = new WeakMap<object, string>();
  private readonly messages = new WeakMap<ConsensusMessage, string>();
  /** Rebroadcasts re-send the same message objects: each packet is encoded once. */
  private readonly packets = new WeakMap<ConsensusMessage, Uint8Array>();

  block(block: JsonValue): string {
    if (block === null || typeof block !== 'object') {
      return JSON.stringify(block);
    }
    let text = this.blocks.get(block);
    if (text === undefined) {
      text = JSON.stringify(block);
      this.blocks.set(block, text);
    }
    return text;
  }

  message(message: ConsensusMessage): string {
    let text = this.messages.get(message);
    if (text === undefined) {
      if (message.type === 'proposal') {
        const { block, ...rest } = message;
        text = `${JSON.stringify(rest).slice(0, -1)},"block":${this.block(block)}}`;
      } else {
        text = JSON.stringify(message);
      }
      this.messages.set(message, text);
    }
    return text;
  }

  /** One write-ahead log line, newline included. */
  walLine(record: WalRecord): string {
    if (record.type !== 'signed') {
      return `${JSON.stringify(record)}\n`;
    }
    const message = this.message(record.message);
    return record.block === undefined
      ? `{"type":"signed","message":${message}}\n`
      : `{"type":"signed","message":${message},"block":${this.block(record.block)}}\n`;
  }

  /** The payload of a consensus packet (wire.ts). */
  packet(message: ConsensusMessage): Uint8Array {
    let bytes = this.packets.get(message);
    if (bytes === undefined) {
      bytes = Buffer.from(`{"kind":"consensus","message":${this.message(message)}}`, 'utf8');
      this.packets.set(message, bytes);
    }
    return bytes;
  }
}
