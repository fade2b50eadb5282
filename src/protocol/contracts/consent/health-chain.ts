/**
 * A test chain peopled for the health scenarios: a hospital and a clinic with clinicians,
 * an emergency physician, custodian service keys, a patient, a second patient and a
 * device. Signers come from fixed seeds, so a run is the same every time. For tests and
 * examples only.
 */
import { toHex } from '../../core/bytes.js';
import type { JsonObject } from '../../core/canonical.js';
import type { Crypto, Signer } from '../../core/crypto.js';
import { DEMO_ORGANIZATION_IDS } from '../../genesis/demo.js';
import type { Receipt } from '../../ledger/block.js';
import { transactionHash } from '../../ledger/transaction.js';
import { demoTestNetwork, namedSigner, publicKeyHex, TestChain } from '../engine/test-chain.js';
import { recordStatementBytes } from '../records/statement.js';
import type { Category, ResourceType } from '../records/types.js';

export const HOSPITAL = DEMO_ORGANIZATION_IDS.hospital;
export const CLINIC = DEMO_ORGANIZATION_IDS.clinic;
export const PAYER = DEMO_ORGANIZATION_IDS.payer;

type Role = 'hospital' | 'clinic' | 'payer' | 'pharmacy';

/** Members registered at height 1 by their organization's admin. */
export const HEALTH_MEMBERS = [
  { id: 'dr-hospital', org: 'hospital', kind: 'practitioner', roles: ['clinician'] },
  { id: 'dr-clinic', org: 'clinic', kind: 'practitioner', roles: ['clinician'] },
  { id: 'dr-emergency', org: 'hospital', kind: 'practitioner', roles: ['emergency'] },
  { id: 'nurse-admin', org: 'hospital', kind: 'practitioner', roles: ['scheduler'] },
  { id: 'payer-reviewer', org: 'payer', kind: 'practitioner', roles: ['clinician'] },
  { id: 'svc-hospital', org: 'hospital', kind: 'service', roles: [] },
  { id: 'svc-clinic', org: 'clinic', kind: 'service', roles: [] },
  { id: 'pt-0001', org: 'hospital', kind: 'patient', roles: [] },
  { id: 'pt-0002', org: 'hospital', kind: 'patient', roles: [] },
  { id: 'dev-bp-0001', org: 'hospital', kind: 'device', roles: [] },
] as const satisfies readonly { id: string; org: Role; kind: string; roles: readonly string[] }[];

export type HealthMemberId = (typeof HEALTH_MEMBERS)[number]['id'];

export type RecordInput = {
  id: string;
  patient: string;
  author: HealthMemberId;
  custodian: string;
  category: Category;
  resourceType: ResourceType;
  contentHash?: string;
  sizeBytes?: number;
};

export class HealthChain extends TestChain {
  readonly admins: Record<Role, Signer>;
  readonly signers: Record<HealthMemberId, Signer>;

  constructor(private readonly cryptoPort: Crypto) {
    const network = demoTestNetwork();
    super(cryptoPort, network.genesis);
    this.admins = network.admins;
    const signers = {} as Record<HealthMemberId, Signer>;
    for (const member of HEALTH_MEMBERS) {
      signers[member.id] = namedSigner(`health-${member.id}`);
    }
    this.signers = signers;
    const transactions = HEALTH_MEMBERS.map((member, index) =>
      this.transaction(this.admins[member.org], {
        action: 'registerMember',
        nonce: HEALTH_MEMBERS.slice(0, index).filter((m) => m.org === member.org).length,
        args: {
          id: member.id,
          kind: member.kind,
          signingKey: publicKeyHex(signers[member.id]),
          encryptionKey: toHex(new Uint8Array(32).fill(index + 1)),
          roles: [...member.roles],
        },
      }),
    );
    for (const receipt of this.block(transactions).receipts) {
      if (receipt.code !== 0) {
        throw new Error(`health chain setup failed: ${receipt.message}`);
      }
    }
  }

  /** Runs a call of `module` signed by a member, or by an organization's admin. */
  act(who: HealthMemberId | Role, module: string, action: string, args: JsonObject): Receipt {
    const signer =
      who in this.admins ? this.admins[who as Role] : this.signers[who as HealthMemberId];
    return this.run(signer, { module, action, args });
  }

  /** Like act, and also returns the transaction hash: the id of a grant or break-glass. */
  submit(
    who: HealthMemberId | Role,
    call: { module: string; action: string; args: JsonObject },
  ): { receipt: Receipt; id: string } {
    const transaction = this.transaction(this.signerOf(who), call);
    const id = transactionHash(this.cryptoPort, transaction);
    return { receipt: this.block([transaction]).receipts[0]!, id };
  }

  signerOf(who: HealthMemberId | Role): Signer {
    return who in this.admins ? this.admins[who as Role] : this.signers[who as HealthMemberId];
  }

  /** Arguments of anchorRecord (or amendRecord with `version` > 1), signed by the author. */
  recordArgs(input: RecordInput & { version?: number; signer?: Signer }): JsonObject {
    const version = input.version ?? 1;
    const contentHash = input.contentHash ?? toHex(new Uint8Array(32).fill(version));
    const sizeBytes = input.sizeBytes ?? 2048;
    const statement = {
      chainId: this.genesis.chainId,
      id: input.id,
      version,
      patient: input.patient,
      custodian: input.custodian,
      resourceType: input.resourceType,
      category: input.category,
      contentHash,
      sizeBytes,
    };
    const author = input.signer ?? this.signers[input.author];
    const args: JsonObject = {
      id: input.id,
      resourceType: input.resourceType,
      category: input.category,
      contentHash,
      sizeBytes,
      locator: `vault://${input.custodian}/${contentHash}`,
      author: input.author,
      signature: toHex(author.sign(recordStatementBytes(statement))),
    };
    return version === 1
      ? { ...args, patient: input.patient }
      : { ...args, previousVersion: version - 1 };
  }
}
