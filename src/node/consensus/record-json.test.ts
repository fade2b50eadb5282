/** Consensus records and packets spliced from one encoding read back as what was written. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Proposal, Vote, WalRecord } from '../../protocol/consensus/types.js';
import type { JsonValue } from '../../protocol/core/canonical.js';
import { RecordJson } from './record-json.js';
import { WalFile } from './wal-file.js';
import { decodePacket } from './wire.js';

const dir = mkdtempSync(join(tmpdir(), 'medchain-record-json-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const block = {
  header: { height: 7, note: 'line\nbreak "quoted" é' },
  transactions: [{ nonce: 1, args: { list: [1, 2, null] } }],
};
const proposal: Proposal = {
  type: 'proposal',
  height: 7,
  round: 1,
  validRound: -1,
  block,
  blockHash: 'ef'.repeat(32),
  proposer: 'ab'.repeat(32),
  signature: 'cd'.repeat(64),
};
const precommit: Vote = {
  type: 'precommit',
  height: 7,
  round: 1,
  blockHash: 'ef'.repeat(32),
  validator: 'ab'.repeat(32),
  signature: '12'.repeat(64),
};

describe('RecordJson', () => {
  it('writes log lines that read back as the records', () => {
    const json = new RecordJson();
    const records: WalRecord[] = [
      { type: 'height', height: 7 },
      { type: 'signed', message: proposal },
      { type: 'signed', message: precommit, block },
      { type: 'signed', message: { ...precommit, type: 'prevote', blockHash: null } },
    ];
    const path = join(dir, 'spliced.wal');
    const wal = WalFile.open(path);
    for (const record of records) {
      const line = json.walLine(record);
      assert.equal(line.indexOf('\n'), line.length - 1, 'one line per record');
      assert.deepEqual(JSON.parse(line), record);
      wal.append(record, line);
    }
    wal.sync();
    wal.close();
    assert.deepEqual(WalFile.open(path).read(), records);
  });

  it('encodes a packet the wire decoder accepts as the same message', () => {
    const json = new RecordJson();
    for (const message of [proposal, precommit]) {
      const decoded = decodePacket(json.packet(message));
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.packet, { kind: 'consensus', message });
    }
  });

  it('encodes a block once for its proposal, its packet and the precommit record', () => {
    const json = new RecordJson();
    let encodings = 0;
    // JSON.stringify calls toJSON once per encoding of the object that carries it.
    const counted = {
      ...block,
      toJSON() {
        encodings++;
        return block;
      },
    } as unknown as JsonValue;
    const message: Proposal = { ...proposal, block: counted };
    json.walLine({ type: 'signed', message });
    json.packet(message);
    json.walLine({ type: 'signed', message: precommit, block: counted });
    assert.equal(encodings, 1);
  });
});
