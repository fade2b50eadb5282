/**
 * A memory node peopled for FHIR tests: clinicians at the hospital and the clinic, an
 * emergency physician, a service key, patients, and helpers that sign and commit the
 * records, grants, reads and break-glass openings the facade then presents. For tests only.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import type { Category, ResourceType } from '../../../protocol/contracts/records/types.js';
import { toHex } from '../../../protocol/core/bytes.js';
import type { JsonObject } from '../../../protocol/core/canonical.js';
import type { Signer } from '../../../protocol/core/crypto.js';
import { DEMO_ORGANIZATION_IDS } from '../../../protocol/genesis/demo.js';
import type { Transaction } from '../../../protocol/ledger/transaction.js';
import { consent, records, signRecordStatement } from '../../../sdk/health.js';
import { action, buildTransaction } from '../../../sdk/transactions.js';
import { createMemoryNode, type MemoryNode } from '../../../testing/memory-node.js';
import { nodeBackend } from '../../runtime/node-backend.js';
import { ledgerFromBackend } from './ledger.js';
import { createFhirRoutes } from './routes.js';
import type { FhirAuth, FhirCaller, LedgerPort } from './types.js';

export const HOSPITAL = DEMO_ORGANIZATION_IDS.hospital;
export const CLINIC = DEMO_ORGANIZATION_IDS.clinic;
/** Header the test FhirAuth reads the caller's member id from (tests only). */
export const TEST_MEMBER_HEADER = 'x-test-member';

type Org = 'hospital' | 'clinic';
type Kind = FhirCaller['kind'];

export type RecordSpec = {
  id: string;
  patient: string;
  author: string;
  resourceType: ResourceType;
  category: Category;
  contentHash?: string;
  sizeBytes?: number;
};

/**
 * The stand-in for request authentication until the API's own lands: the caller names
 * itself in a header and the member's chain state supplies kind, organization and roles.
 */
export function headerAuth(ledger: LedgerPort): FhirAuth {
  return {
    async caller(request) {
      const id = request.headers.get(TEST_MEMBER_HEADER);
      const found = id === null ? null : ledger.query('identity', 'member', { id });
      if (found === null) {
        return undefined;
      }
      const member = found as { id: string; organization: string; kind: Kind; roles: string[] };
      return {
        member: member.id,
        organization: member.organization,
        kind: member.kind,
        roles: member.roles,
      };
    },
  };
}

export class FhirFixture {
  readonly memory: MemoryNode;
  readonly ledger: LedgerPort;
  readonly fhir: ReturnType<typeof createFhirRoutes>;
  private readonly nonces = new Map<string, number>();
  private readonly orgOf = new Map<string, Org>();

  constructor(seed = 'fhir') {
    this.memory = createMemoryNode(seed);
    this.ledger = ledgerFromBackend(nodeBackend(this.memory.node));
    this.fhir = createFhirRoutes({ ledger: this.ledger, auth: headerAuth(this.ledger) });
  }

  signer(id: string): Signer {
    return this.memory.signer(`member-${id}`);
  }

  /** Signs with the next nonce of `signer` (tracked here: this fixture is its only writer). */
  sign(signer: Signer, call: { module: string; action: string; args: JsonObject }): Transaction {
    const key = toHex(signer.publicKey);
    const nonce = this.nonces.get(key) ?? 0;
    this.nonces.set(key, nonce + 1);
    return buildTransaction({ ...call, chainId: this.memory.genesis.chainId, signer, nonce });
  }

  /** Submits the transactions and commits one block; throws on any failed receipt. */
  commit(transactions: Transaction[]): void {
    for (const transaction of transactions) {
      const result = this.memory.node.submit(transaction);
      if (!result.ok) {
        throw new Error(`fixture: submit refused: ${result.problem.detail}`);
      }
    }
    const block = this.memory.node.produceBlock();
    for (const { receipt } of block === undefined
      ? []
      : this.memory.node.deps.store.blockTransactions(block.height)) {
      if (receipt.code !== 0) {
        throw new Error(`fixture: ${receipt.name}: ${receipt.message}`);
      }
    }
  }

  memberTx(org: Org, id: string, kind: Kind, roles: string[], displayName?: string): Transaction {
    this.orgOf.set(id, org);
    const args: JsonObject = {
      id,
      kind,
      signingKey: toHex(this.signer(id).publicKey),
      encryptionKey: toHex(x25519.getPublicKey(new Uint8Array(32).fill(id.length))),
      roles,
      ...(displayName === undefined ? {} : { displayName }),
    };
    return this.sign(this.memory.admins[org], {
      module: 'identity',
      action: 'registerMember',
      args,
    });
  }

  anchorTx(spec: RecordSpec): Transaction {
    const custodian = this.orgOf.get(spec.author) === 'clinic' ? CLINIC : HOSPITAL;
    const contentHash =
      spec.contentHash ?? toHex(this.memory.crypto.sha256(new TextEncoder().encode(spec.id)));
    const sizeBytes = spec.sizeBytes ?? 1024;
    const fields = {
      id: spec.id,
      resourceType: spec.resourceType,
      category: spec.category,
      contentHash,
      sizeBytes,
    };
    const author = this.signer(spec.author);
    const signature = signRecordStatement(author, {
      ...fields,
      chainId: this.memory.genesis.chainId,
      version: 1,
      patient: spec.patient,
      custodian,
    });
    const call = records.anchorRecord({
      ...fields,
      patient: spec.patient,
      locator: `vault://${custodian}/${contentHash}`,
      author: spec.author,
      signature,
    });
    return this.sign(author, call);
  }

  grantTx(
    patient: string,
    grantee: { kind: 'member' | 'organization'; id: string },
    categories: Category[],
  ) {
    const now = this.ledger.head().time;
    const call = consent.grantConsent({
      patient,
      granteeKind: grantee.kind,
      grantee: grantee.id,
      scope: { categories },
      purpose: 'treatment',
      notBefore: now,
      notAfter: now + 30 * 24 * 3600 * 1000,
    });
    return this.sign(this.signer(patient), call);
  }

  /** A raw call, for actions without a typed helper here. */
  callTx(signer: Signer, module: string, name: string, args: JsonObject): Transaction {
    return this.sign(signer, action(module, name, args));
  }

  async get(
    path: string,
    member?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> =
      member === undefined ? {} : { [TEST_MEMBER_HEADER]: member };
    const response = await this.fhir.request(`http://node.test/fhir/R4${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}
