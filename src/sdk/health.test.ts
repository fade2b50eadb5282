/** SDK health helpers: a statement signed here verifies on chain, ids are known up front. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CLINIC, HealthChain, HOSPITAL } from '../protocol/contracts/consent/health-chain.js';
import { pureCrypto } from '../protocol/core/crypto.js';
import {
  consent,
  justificationCommitment,
  records,
  signRecordStatement,
  transactionId,
} from './health.js';
import { buildTransaction } from './transactions.js';

it('sdk health: an anchor and a grant built by the SDK execute, and the grant id is known', () => {
  const chain = new HealthChain(pureCrypto);
  const author = chain.signers['dr-hospital'];
  const fields = {
    id: 'rec-sdk-0001',
    resourceType: 'Observation' as const,
    category: 'laboratory' as const,
    contentHash: 'aa'.repeat(32),
    sizeBytes: 10,
  };
  const signature = signRecordStatement(author, {
    ...fields,
    chainId: chain.genesis.chainId,
    version: 1,
    patient: 'pt-0001',
    custodian: HOSPITAL,
  });
  const anchor = buildTransaction({
    ...records.anchorRecord({
      ...fields,
      patient: 'pt-0001',
      locator: `vault://${HOSPITAL}/${fields.contentHash}`,
      author: 'dr-hospital',
      signature,
    }),
    chainId: chain.genesis.chainId,
    signer: author,
    nonce: chain.nonce(author),
  });
  assert.equal(chain.block([anchor]).receipts[0]?.name, 'ok');
  const patient = chain.signers['pt-0001'];
  const grant = buildTransaction({
    ...consent.grantConsent({
      patient: 'pt-0001',
      granteeKind: 'organization',
      grantee: CLINIC,
      scope: { recordIds: ['rec-sdk-0001'] },
      purpose: 'treatment',
      notBefore: chain.time,
      notAfter: chain.time + 60_000,
    }),
    chainId: chain.genesis.chainId,
    signer: patient,
    nonce: chain.nonce(patient),
  });
  assert.equal(chain.block([grant]).receipts[0]?.name, 'ok');
  const id = transactionId(pureCrypto, grant);
  assert.equal((chain.query('consent', 'grant', { id }) as { id: string }).id, id);
});

it('sdk health: a justification commitment needs a salt of 16 bytes or more', () => {
  const salt = new Uint8Array(16).fill(7);
  const text = 'unresponsive on arrival, no consent possible';
  assert.match(justificationCommitment(pureCrypto, { salt, text }), /^[0-9a-f]{64}$/);
  assert.notEqual(
    justificationCommitment(pureCrypto, { salt, text }),
    justificationCommitment(pureCrypto, { salt: new Uint8Array(16).fill(8), text }),
  );
  assert.throws(() => justificationCommitment(pureCrypto, { salt: salt.subarray(0, 8), text }));
});
