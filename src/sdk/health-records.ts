/**
 * Health records for a member, end to end: add a record (encrypt here, upload to the
 * custodian's vault, anchor on chain, wrap the key for the patient and the author), read
 * one (fetch the wrap and the ciphertext, check the anchored hash, decrypt), grant and
 * revoke consent (a grant also wraps the key of every covered record for the grantee),
 * list grants and who read my data, request erasure and wait for the custodian's receipt,
 * and break-glass. Every request is signed with the member's key (docs/spec/auth.md).
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
import { consent, justificationCommitment, records, signRecordStatement } from './health.js';
import { randomBytes } from './keys.js';
import { signRequestHeaders, UNSIGNED_PAYLOAD } from './request-auth.js';
import {
  decodeKeyWrap,
  decryptDocument,
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
}

export interface AddRecordParams {
  patient: string;
  resourceType: ResourceType;
  category: Category;
  content: Bytes | ReadableStream<Uint8Array>;
  /** Pseudonymous record id; default a random one. */
  id?: string;
}

export interface AddedRecord {
  id: string;
  version: number;
  contentHash: string;
  sizeBytes: number;
  custodian: string;
  transaction: string;
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

type MemberValue = { id: string; organization: string; encryptionKey: string };
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
    const recipients = [patient.encryptionKey, author.encryptionKey];
    const encrypted = await encryptDocument(content, {
      recordId: id,
      version: 1,
      recipients: [...new Set(recipients)].map((key) => fromHex(key)),
      ...(this.options.sha256 === undefined ? {} : { sha256: this.options.sha256 }),
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
    for (const wrap of done.wraps) {
      await this.putWrap(vault, { id, version: 1, hash: done.contentHash }, wrap);
    }
    const { contentHash, sizeBytes } = done;
    const custodian = author.organization;
    return { id, version: 1, contentHash, sizeBytes, custodian, transaction: submission.hash };
  }

  private async uploadObject(vault: MedchainClient, body: ReadableStream<Uint8Array>) {
    const url = `${vault.baseUrl}/v1/vault/objects`;
    const headers = {
      'content-type': 'application/octet-stream',
      ...signRequestHeaders(this.options.signer, {
        method: 'PUT',
        pathAndQuery: '/v1/vault/objects',
        bodySha256: UNSIGNED_PAYLOAD,
      }),
    };
    const answer = await this.upload({ url, headers, body, sizeBytes: undefined });
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
    const path = `/v1/vault/objects/${target.hash}/keys/${wrap.recipient}`;
    const response = await vault.request('PUT', path, {
      body: encodeKeyWrap(wrap),
      headers: VAULT_HEADERS(target.id, target.version),
    });
    await response.arrayBuffer();
  }

  /** Fetches a version, checks it is the anchored ciphertext and decrypts it. */
  async readRecord(
    id: string,
    options: { version?: number; purpose?: Purpose } = {},
  ): Promise<Uint8Array> {
    const head = await this.record(id);
    const version = options.version ?? head.versions;
    const anchor = (await this.client.query('records', 'version', { id, version }))
      .value as unknown as { contentHash: string; custodian: string } | null;
    if (anchor === null) {
      throw new HealthRecordError('not_found', `record ${id} has no version ${version}`);
    }
    const vault = this.vault(anchor.custodian);
    const headers = VAULT_HEADERS(id, version, options.purpose);
    const recipient = toHex(this.options.encryptionPublicKey);
    const base = `/v1/vault/objects/${anchor.contentHash}`;
    const wrapResponse = await vault.request('GET', `${base}/keys/${recipient}`, { headers });
    const wrap = decodeKeyWrap(recipient, new Uint8Array(await wrapResponse.arrayBuffer()));
    const object = await vault.request('GET', base, { headers });
    const plaintext = await decryptDocument(object.body!, {
      wrap,
      binding: { recordId: id, version, contentHash: anchor.contentHash },
      recipientSecretKey: this.options.encryptionSecretKey,
      ...(this.options.sha256 === undefined ? {} : { sha256: this.options.sha256 }),
    });
    return collect(plaintext);
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
    const anchor = (await this.client.query('records', 'version', { id, version }))
      .value as unknown as { contentHash: string; custodian: string } | null;
    if (anchor === null) {
      throw new HealthRecordError('not_found', `record ${id} has no version ${version}`);
    }
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

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    parts.push(value);
    length += value.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
