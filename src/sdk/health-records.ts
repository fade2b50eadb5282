/**
 * Health records for a member, end to end: add a record (encrypt here, upload to the
 * custodian's vault, anchor on chain, wrap the key for the patient and the author), read
 * one (fetch the wrap and the ciphertext, check the anchored hash, decrypt), grant and
 * revoke consent (a grant also wraps the key of every covered record for the grantee),
 * list grants and who read my data, request erasure and wait for the custodian's receipt,
 * and break-glass. Every request is signed with the member's key (docs/spec/auth.md).
 *
 * Emergency keys (docs/adr/0006-emergency-key-release.md): a new record's key is also
 * wrapped for the custodian's escrow member (`<org>-escrow`) unless the patient declined,
 * and a reader holding no wrap of its own (a break-glass) asks the custodian to release the
 * key; the custodian does so only under a break-glass in force, and logs it on chain.
 *
 * Uploads stream. Browsers can send a ReadableStream body with fetch; Node 20's fetch keeps
 * a streamed body in memory until the request ends, so Node callers inject `upload` (the
 * node package has one over node:http: src/node/vault/node-uploader.ts).
 */

import type { BreakGlassReason, Purpose } from '../protocol/contracts/consent/types.js';
import type { Category, ResourceType } from '../protocol/contracts/records/types.js';
import type { Bytes } from '../protocol/core/bytes.js';
import { fromHex, toHex } from '../protocol/core/bytes.js';
import type { Signer } from '../protocol/core/crypto.js';
import { pureCrypto } from '../protocol/core/crypto.js';
import type { Submission } from './api-types.js';
import { MedchainClient } from './client.js';
import { MedchainApiError } from './errors.js';
import {
  consent,
  escrowMemberId,
  justificationCommitment,
  records,
  signRecordStatement,
} from './health.js';
import { randomBytes } from './keys.js';
import { signRequestHeaders, UNSIGNED_PAYLOAD } from './request-auth.js';
import { readAll } from './vault/byte-queue.js';
import {
  type ChunkCipherFactory,
  decodeKeyWrap,
  decryptDocument,
  ESCROW_DECLINED,
  encodeKeyWrap,
  encryptDocument,
  type KeyWrap,
  type Sha256HasherFactory,
  unwrapDocumentKey,
  wrapKeyFor,
} from './vault/index.js';

/** Sends one streamed upload; answers the status and the response text. */
export type VaultUploader = (params: {
  url: string;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array>;
  sizeBytes: number | undefined;
}) => Promise<{ status: number; text: string }>;

/** The default uploader: fetch with a streamed body (fine in browsers; see the header). */
export const fetchUploader: VaultUploader = async ({ url, headers, body }) => {
  const init = { method: 'PUT', headers, body, duplex: 'half' } as RequestInit;
  const response = await globalThis.fetch(url, init);
  return { status: response.status, text: await response.text() };
};

/**
 * Streams one ciphertext object to a vault as `signer` (a signed PUT whose body is not
 * hashed into the signature: the vault hashes it). Answers the vault's status and text.
 */
export function putVaultObject(
  upload: VaultUploader,
  params: {
    vaultUrl: string;
    signer: Signer;
    body: ReadableStream<Uint8Array>;
    sizeBytes?: number;
  },
): Promise<{ status: number; text: string }> {
  const headers = {
    'content-type': 'application/octet-stream',
    ...signRequestHeaders(params.signer, {
      method: 'PUT',
      pathAndQuery: '/v1/vault/objects',
      bodySha256: UNSIGNED_PAYLOAD,
    }),
  };
  const url = `${params.vaultUrl}/v1/vault/objects`;
  return upload({ url, headers, body: params.body, sizeBytes: params.sizeBytes });
}

export interface HealthRecordsOptions {
  /** A client of any node, signing as this member (MedchainClient's `auth`). */
  client: MedchainClient;
  /** This member's id on chain. */
  member: string;
  signer: Signer;
  /** This member's X25519 secret key: unwraps document keys. */
  encryptionSecretKey: Bytes;
  encryptionPublicKey: Bytes;
  /** API base URL of each organization's node (its vault); default: the client's node. */
  vaults?: Record<string, string>;
  upload?: VaultUploader;
  /** Incremental SHA-256 for content hashes; Node callers pass node:crypto's. */
  sha256?: Sha256HasherFactory;
  /**
   * AES-256-GCM for the document chunks; WebCrypto by default. Node callers pass the
   * node:crypto port (src/node/vault/node-vault-crypto.ts), which avoids WebCrypto's copies.
   */
  cipher?: ChunkCipherFactory;
}

export interface AddRecordParams {
  patient: string;
  resourceType: ResourceType;
  category: Category;
  content: Bytes | ReadableStream<Uint8Array>;
  /** Pseudonymous record id; default a random one. */
  id?: string;
  /**
   * Wrap the key for the custodian's emergency escrow (default true). false records the
   * patient's refusal: a break-glass reader then gets the ciphertext only.
   */
  escrow?: boolean;
}

/**
 * Whether a version's key is held in the custodian's emergency escrow: `held`, `declined`
 * by the patient, or `none` (the custodian runs no escrow).
 */
export type EscrowStatus = 'held' | 'declined' | 'none';

export interface AddedRecord {
  id: string;
  version: number;
  contentHash: string;
  sizeBytes: number;
  custodian: string;
  transaction: string;
  escrow: EscrowStatus;
}

/** A record's plaintext, and how its key was obtained. */
export interface OpenedRecord {
  plaintext: Uint8Array;
  /** `own`: this member's key wrap; `emergency`: released by the custodian's escrow. */
  keySource: 'own' | 'emergency';
  /** For an emergency release: the break-glass and the transaction that logged the release. */
  release?: EmergencyKeyRelease;
}

export interface EmergencyKeyRelease {
  record: string;
  version: number;
  breakGlass: string;
  /** When the break-glass closes (consensus time, ms). */
  notAfter: number;
  /** Hash of the consent.recordAccess transaction with keyRelease 'escrow'. */
  audit: string;
  wrap: KeyWrap;
}

export interface GrantParams {
  granteeKind: 'member' | 'organization';
  grantee: string;
  categories?: Category[];
  resourceTypes?: ResourceType[];
  recordIds?: string[];
  purpose: Purpose;
  durationMs: number;
  /** Extra members to wrap keys for (an organization grant's readers). */
  readers?: string[];
}

type MemberValue = {
  id: string;
  organization: string;
  kind: string;
  encryptionKey: string;
  active: boolean;
};
type AnchorValue = { contentHash: string; custodian: string; patient: string };
type Head = {
  id: string;
  patient: string;
  custodian: string;
  versions: number;
  status: string;
  latest: { version: number; contentHash: string; category: Category; resourceType: string };
};

export class HealthRecordError extends Error {
  override name = 'HealthRecordError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const VAULT_HEADERS = (id: string, version: number, purpose?: string) => ({
  'x-medchain-record': id,
  'x-medchain-version': String(version),
  ...(purpose === undefined ? {} : { 'x-medchain-purpose': purpose }),
});

export class HealthRecords {
  readonly client: MedchainClient;
  readonly member: string;
  private readonly upload: VaultUploader;

  constructor(private readonly options: HealthRecordsOptions) {
    this.client = options.client;
    this.member = options.member;
    this.upload = options.upload ?? fetchUploader;
  }

  /** A client of the node holding `organization`'s vault, signing as this member. */
  vault(organization: string): MedchainClient {
    const url = this.options.vaults?.[organization] ?? this.client.baseUrl;
    return new MedchainClient({ baseUrl: url, auth: this.options.signer });
  }

  async memberRecord(id: string): Promise<MemberValue> {
    const answer = await this.client.query('identity', 'member', { id });
    if (answer.value === null) {
      throw new HealthRecordError('not_found', `no member ${id}`);
    }
    return answer.value as unknown as MemberValue;
  }

  async record(id: string): Promise<Head> {
    const answer = await this.client.query('records', 'record', { id });
    if (answer.value === null) {
      throw new HealthRecordError('not_found', `no record ${id}`);
    }
    return answer.value as unknown as Head;
  }

  /** Encrypts, uploads to this member's organization vault, anchors, and wraps the key. */
  async addRecord(params: AddRecordParams): Promise<AddedRecord> {
    const id = params.id ?? `rec-${toHex(randomBytes(12))}`;
    const [author, patient] = await Promise.all([
      this.memberRecord(this.member),
      this.memberRecord(params.patient),
    ]);
    const content =
      params.content instanceof Uint8Array ? bytesStream(params.content) : params.content;
    const escrowKey = await this.escrowKey(author.organization);
    const escrow: EscrowStatus =
      escrowKey === undefined ? 'none' : params.escrow === false ? 'declined' : 'held';
    const recipients = [patient.encryptionKey, author.encryptionKey];
    if (escrow === 'held' && escrowKey !== undefined) {
      recipients.push(escrowKey);
    }
    const encrypted = await encryptDocument(content, {
      recordId: id,
      version: 1,
      recipients: [...new Set(recipients)].map((key) => fromHex(key)),
      ...(this.options.sha256 === undefined ? {} : { sha256: this.options.sha256 }),
      ...(this.options.cipher === undefined ? {} : { cipher: this.options.cipher }),
    });
    const vault = this.vault(author.organization);
    const uploaded = this.uploadObject(vault, encrypted.ciphertext);
    const [stored, done] = await Promise.all([uploaded, encrypted.completion]);
    if (stored.hash !== done.contentHash) {
      throw new HealthRecordError('hash_mismatch', 'the vault stored other bytes');
    }
    const statement = {
      chainId: await this.client.chainId(),
      id,
      version: 1,
      patient: params.patient,
      custodian: author.organization,
      resourceType: params.resourceType,
      category: params.category,
      contentHash: done.contentHash,
      sizeBytes: done.sizeBytes,
    };
    const submission = await this.client.send(
      this.options.signer,
      records.anchorRecord({
        id,
        patient: params.patient,
        resourceType: params.resourceType,
        category: params.category,
        contentHash: done.contentHash,
        sizeBytes: done.sizeBytes,
        locator: `vault://${author.organization}/${done.contentHash}`,
        author: this.member,
        signature: signRecordStatement(this.options.signer, statement),
      }),
    );
    requireOk(submission, 'anchorRecord');
    const target = { id, version: 1, hash: done.contentHash };
    for (const wrap of done.wraps) {
      await this.putWrap(vault, target, wrap);
    }
    if (escrow === 'declined' && escrowKey !== undefined) {
      await this.putSlot(vault, target, escrowKey, ESCROW_DECLINED);
    }
    const { contentHash, sizeBytes } = done;
    const custodian = author.organization;
    const transaction = submission.hash;
    return { id, version: 1, contentHash, sizeBytes, custodian, transaction, escrow };
  }

  /** The X25519 key of `organization`'s escrow member, if it runs an active one. */
  async escrowKey(organization: string): Promise<string | undefined> {
    const member = await this.memberRecord(escrowMemberId(organization)).catch(() => undefined);
    if (member?.active !== true || member.kind !== 'service') {
      return undefined;
    }
    return member.organization === organization ? member.encryptionKey : undefined;
  }

  private async uploadObject(vault: MedchainClient, body: ReadableStream<Uint8Array>) {
    const answer = await putVaultObject(this.upload, {
      vaultUrl: vault.baseUrl,
      signer: this.options.signer,
      body,
    });
    if (answer.status !== 200 && answer.status !== 201) {
      throw new HealthRecordError(`http_${answer.status}`, answer.text.slice(0, 300));
    }
    return JSON.parse(answer.text) as { hash: string; sizeBytes: number };
  }

  private async putWrap(
    vault: MedchainClient,
    target: { id: string; version: number; hash: string },
    wrap: KeyWrap,
  ): Promise<void> {
    await this.putSlot(vault, target, wrap.recipient, encodeKeyWrap(wrap));
  }

  private async putSlot(
    vault: MedchainClient,
    target: { id: string; version: number; hash: string },
    recipient: string,
    bytes: Uint8Array,
  ): Promise<void> {
    const path = `/v1/vault/objects/${target.hash}/keys/${recipient}`;
    const response = await vault.request('PUT', path, {
      body: bytes,
      headers: VAULT_HEADERS(target.id, target.version),
    });
    await response.arrayBuffer();
  }

  private async anchorOf(id: string, version: number): Promise<AnchorValue> {
    const answer = await this.client.query('records', 'version', { id, version });
    const anchor = answer.value as unknown as AnchorValue | null;
    if (anchor === null) {
      throw new HealthRecordError('not_found', `record ${id} has no version ${version}`);
    }
    return anchor;
  }

  /** Fetches a version, checks it is the anchored ciphertext and decrypts it. */
  async readRecord(
    id: string,
    options: { version?: number; purpose?: Purpose; emergency?: boolean } = {},
  ): Promise<Uint8Array> {
    return (await this.openRecord(id, options)).plaintext;
  }

  /**
   * Like readRecord, and says where the key came from. A reader with no key wrap of its own
   * (the vault answers 404 for it, which it does only to an authorized reader) asks the
   * custodian for an emergency release unless `emergency` is false; the custodian grants
   * it only under this member's break-glass in force, and logs it in the patient's log.
   */
  async openRecord(
    id: string,
    options: { version?: number; purpose?: Purpose; emergency?: boolean } = {},
  ): Promise<OpenedRecord> {
    const version = options.version ?? (await this.record(id)).versions;
    const anchor = await this.anchorOf(id, version);
    const vault = this.vault(anchor.custodian);
    const headers = VAULT_HEADERS(id, version, options.purpose);
    const recipient = toHex(this.options.encryptionPublicKey);
    const base = `/v1/vault/objects/${anchor.contentHash}`;
    let wrap: KeyWrap;
    let release: EmergencyKeyRelease | undefined;
    try {
      const wrapResponse = await vault.request('GET', `${base}/keys/${recipient}`, { headers });
      wrap = decodeKeyWrap(recipient, new Uint8Array(await wrapResponse.arrayBuffer()));
    } catch (error) {
      const noWrap = error instanceof MedchainApiError && error.status === 404;
      if (!noWrap || options.emergency === false) {
        throw error;
      }
      release = await this.releaseEmergencyKey(id, { version }).catch((refusal: unknown) => {
        // Without a break-glass the honest answer is still "you hold no key for this".
        const noBreakGlass =
          refusal instanceof MedchainApiError && refusal.code === 'break_glass_required';
        throw noBreakGlass ? error : refusal;
      });
      wrap = release.wrap;
    }
    const object = await vault.request('GET', base, { headers });
    const plaintext = await decryptDocument(object.body!, {
      wrap,
      binding: { recordId: id, version, contentHash: anchor.contentHash },
      recipientSecretKey: this.options.encryptionSecretKey,
      ...(this.options.sha256 === undefined ? {} : { sha256: this.options.sha256 }),
      ...(this.options.cipher === undefined ? {} : { cipher: this.options.cipher }),
    });
    const bytes = await readAll(plaintext);
    return release === undefined
      ? { plaintext: bytes, keySource: 'own' }
      : { plaintext: bytes, keySource: 'emergency', release };
  }

  /**
   * Asks the custodian's escrow to release a version's key to this member's own encryption
   * key, under this member's break-glass. Refusals: `break_glass_required` (none in force),
   * `escrow_declined` (the patient opted out: ciphertext only), `escrow_unavailable` (kept
   * without escrow), `gone` (erased); all as HealthRecordError except the API's own.
   */
  async releaseEmergencyKey(
    id: string,
    options: { version?: number } = {},
  ): Promise<EmergencyKeyRelease> {
    const version = options.version ?? (await this.record(id)).versions;
    const anchor = await this.anchorOf(id, version);
    const recipient = toHex(this.options.encryptionPublicKey);
    const path = `/v1/vault/objects/${anchor.contentHash}/emergency-release/${recipient}`;
    let response: Response;
    try {
      response = await this.vault(anchor.custodian).request('POST', path, {
        headers: VAULT_HEADERS(id, version, 'treatment'),
      });
    } catch (error) {
      if (error instanceof MedchainApiError && error.code.startsWith('escrow_')) {
        throw new HealthRecordError(error.code, error.detail);
      }
      throw error;
    }
    const body = (await response.json()) as {
      record: string;
      version: number;
      recipient: string;
      wrap: string;
      breakGlass: string;
      notAfter: number;
      audit: string;
    };
    if (body.record !== id || body.version !== version || body.recipient !== recipient) {
      throw new HealthRecordError('release_mismatch', 'the custodian released another key');
    }
    return {
      record: id,
      version,
      breakGlass: body.breakGlass,
      notAfter: body.notAfter,
      audit: body.audit,
      wrap: decodeKeyWrap(recipient, fromHex(body.wrap)),
    };
  }

  /**
   * The patient opts out of emergency escrow for a record: every version's escrow slot gets
   * the declined marker, so the custodian can no longer release its key and a break-glass
   * reader gets the ciphertext only. Answers how many versions were changed.
   */
  async declineEscrow(id: string): Promise<number> {
    const head = await this.record(id);
    if (head.patient !== this.member) {
      throw new HealthRecordError('unauthorized', 'only the patient declines escrow');
    }
    const escrowKey = await this.escrowKey(head.custodian);
    if (escrowKey === undefined) {
      return 0;
    }
    const vault = this.vault(head.custodian);
    for (let version = 1; version <= head.versions; version++) {
      const anchor = await this.anchorOf(id, version);
      const target = { id, version, hash: anchor.contentHash };
      await this.putSlot(vault, target, escrowKey, ESCROW_DECLINED);
    }
    return head.versions;
  }

  /**
   * Downloads a version's ciphertext (an audited read like any other) and checks it is
   * the anchored object; for readers that hold no key wrap yet, such as a break-glass.
   */
  async fetchCiphertext(
    id: string,
    options: { version?: number; purpose?: Purpose } = {},
  ): Promise<Uint8Array> {
    const version = options.version ?? (await this.record(id)).versions;
    const anchor = await this.anchorOf(id, version);
    const headers = VAULT_HEADERS(id, version, options.purpose);
    const path = `/v1/vault/objects/${anchor.contentHash}`;
    const object = await this.vault(anchor.custodian).request('GET', path, { headers });
    const bytes = new Uint8Array(await object.arrayBuffer());
    if (toHex(pureCrypto.sha256(bytes)) !== anchor.contentHash) {
      throw new HealthRecordError('content_hash_mismatch', 'not the anchored ciphertext');
    }
    return bytes;
  }

  /** Grants consent, then wraps each covered record's key for the grantee's readers. */
  async grant(params: GrantParams): Promise<{ grant: string; wrapped: number }> {
    const status = await this.client.status();
    const scope = {
      categories: params.categories ?? [],
      resourceTypes: params.resourceTypes ?? [],
      recordIds: params.recordIds ?? [],
    };
    const submission = await this.client.send(
      this.options.signer,
      consent.grantConsent({
        patient: this.member,
        granteeKind: params.granteeKind,
        grantee: params.grantee,
        scope,
        purpose: params.purpose,
        notBefore: status.lastBlockTime,
        notAfter: status.lastBlockTime + params.durationMs,
      }),
    );
    requireOk(submission, 'grantConsent');
    const readers = await this.readerKeys(params);
    let wrapped = 0;
    for (const head of await this.myRecords()) {
      const { latest } = head;
      const covered =
        scope.categories.includes(latest.category) ||
        (scope.resourceTypes as string[]).includes(latest.resourceType) ||
        scope.recordIds.includes(head.id);
      if (covered && head.status === 'active') {
        wrapped += await this.rewrap(head, readers);
      }
    }
    return { grant: submission.hash, wrapped };
  }

  /**
   * Who gets a key wrap: a member grantee's X25519 key; for an organization, its vault
   * service member's key (`<org>-vault`) and the readers named (docs/spec/auth.md).
   */
  private async readerKeys(params: GrantParams): Promise<string[]> {
    const ids = params.granteeKind === 'member' ? [params.grantee] : [`${params.grantee}-vault`];
    const keys: string[] = [];
    for (const id of [...ids, ...(params.readers ?? [])]) {
      const found = await this.memberRecord(id).catch(() => undefined);
      if (found !== undefined) {
        keys.push(found.encryptionKey);
      }
    }
    return [...new Set(keys)];
  }

  private async rewrap(head: Head, readers: string[]): Promise<number> {
    const version = head.versions;
    const hash = head.latest.contentHash;
    const binding = { recordId: head.id, version, contentHash: hash };
    const vault = this.vault(head.custodian);
    const mine = toHex(this.options.encryptionPublicKey);
    const base = `/v1/vault/objects/${hash}`;
    const headers = VAULT_HEADERS(head.id, version);
    const response = await vault.request('GET', `${base}/keys/${mine}`, { headers });
    const documentKey = await unwrapDocumentKey({
      wrap: decodeKeyWrap(mine, new Uint8Array(await response.arrayBuffer())),
      binding,
      recipientSecretKey: this.options.encryptionSecretKey,
    });
    for (const recipient of readers) {
      const wrap = await wrapKeyFor({ documentKey, binding, recipient: fromHex(recipient) });
      await this.putWrap(vault, { id: head.id, version, hash }, wrap);
    }
    return readers.length;
  }

  /** This patient's records, every page. */
  async myRecords(): Promise<Head[]> {
    const ids = await this.pages<string>('records', 'byPatient', 32);
    return Promise.all(ids.map((id) => this.record(id)));
  }

  async revoke(grant: string): Promise<Submission> {
    return requireOk(
      await this.client.send(this.options.signer, consent.revokeConsent({ grant })),
      'revokeConsent',
    );
  }

  /** The grants this patient made, with their current state. */
  async grants(): Promise<unknown[]> {
    const ids = await this.pages<string>('consent', 'grants', 32);
    const grants = ids.map(
      async (id) => (await this.client.query('consent', 'grant', { id })).value,
    );
    return Promise.all(grants);
  }

  /** Every recorded access to this patient's data, and every break-glass opened on it. */
  accesses(): Promise<unknown[]> {
    return this.pages<unknown>('consent', 'accesses', 16);
  }

  private async pages<T>(module: string, name: string, pageSize: number): Promise<T[]> {
    const items: T[] = [];
    for (let page = 0; ; page++) {
      const answer = await this.client.query(module, name, { patient: this.member, page });
      const list = (answer.value ?? []) as unknown as T[];
      items.push(...list);
      if (list.length < pageSize) {
        return items;
      }
    }
  }

  /** Asks for erasure and waits for the custodian's confirmation: its hash is the receipt. */
  async erase(record: string, options: { timeoutMs?: number } = {}) {
    const request = requireOk(
      await this.client.send(this.options.signer, records.requestErasure({ record })),
      'requestErasure',
    );
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      const answer = await this.client.query('records', 'erasure', { record });
      const erasure = answer.value as unknown as { status: string; receipt: string | null };
      if (erasure?.status === 'confirmed') {
        return { request: request.hash, receipt: erasure.receipt! };
      }
      await new Promise((done) => setTimeout(done, 200));
    }
    throw new HealthRecordError('timeout', 'the custodian has not confirmed the erasure yet');
  }

  /** Opens emergency access; the organization keeps the salt and text of the justification. */
  async breakGlass(params: {
    patient: string;
    reason: BreakGlassReason;
    justification: string;
    durationMs: number;
  }) {
    const salt = randomBytes(16);
    const justificationHash = justificationCommitment(pureCrypto, {
      salt,
      text: params.justification,
    });
    const submission = requireOk(
      await this.client.send(
        this.options.signer,
        consent.breakGlass({
          patient: params.patient,
          reason: params.reason,
          justificationHash,
          durationMs: params.durationMs,
        }),
      ),
      'breakGlass',
    );
    return { breakGlass: submission.hash, salt: toHex(salt), justificationHash };
  }
}

function requireOk(submission: Submission, what: string): Submission {
  if (submission.status === 'committed' && submission.receipt.code !== 0) {
    const { name, message } = submission.receipt;
    throw new HealthRecordError(name, `${what} failed: ${message}`);
  }
  return submission;
}

function bytesStream(bytes: Bytes): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}
