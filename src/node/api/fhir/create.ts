/**
 * Create for DocumentReference and Observation through the signed transaction path. The
 * body is the FHIR resource carrying, in the extension urn:medchain:fhir:signed-transaction
 * (valueBase64Binary), the caller's own signed records.anchorRecord transaction. The facade
 * never signs: it checks that the resource and the transaction agree and that the caller
 * is the signer, submits the transaction unchanged, and answers with the resource as the
 * chain now holds it.
 */
import type { AnchorRecordParams } from '../../../protocol/contracts/records/anchor-record.js';
import { SYSTEM } from './codes.js';
import { member } from './ledger.js';
import { FhirError } from './outcome.js';
import { READERS, type ReadContext } from './resources.js';
import type { FhirType, Resource } from './types.js';

type SignedCall = { signer: string; module: string; action: string; args: AnchorRecordParams };

/** Receipt names that mean "this author may not do this", answered as 403. */
const FORBIDDEN_RESULTS = new Set([
  'records.author_not_clinical',
  'records.author_inactive',
  'records.author_not_found',
  'records.device_not_linked',
  'records.device_scope',
  'records.custodian_mismatch',
]);

function unprocessable(detail: string): never {
  throw new FhirError('processing', detail);
}

function signedTransaction(body: Record<string, unknown>): SignedCall {
  const extensions = Array.isArray(body.extension) ? body.extension : [];
  const found = extensions.find((e: { url?: unknown }) => e?.url === SYSTEM.signedTransaction) as
    | { valueBase64Binary?: unknown }
    | undefined;
  if (typeof found?.valueBase64Binary !== 'string') {
    throw new FhirError(
      'invalid',
      'a create carries the signed anchorRecord transaction in extension ' +
        SYSTEM.signedTransaction,
    );
  }
  let call: SignedCall;
  try {
    call = JSON.parse(
      Buffer.from(found.valueBase64Binary, 'base64').toString('utf8'),
    ) as SignedCall;
  } catch {
    throw new FhirError('invalid', 'the signed transaction is not base64 of JSON');
  }
  if (call?.module !== 'records' || call.action !== 'anchorRecord' || call.args === undefined) {
    unprocessable('the signed transaction must be records.anchorRecord');
  }
  return call;
}

type Claimed = {
  subject?: { reference?: string };
  type?: { coding?: { system?: string; code?: string }[] };
  category?: { coding?: { system?: string; code?: string }[] }[];
  content?: { attachment?: { size?: number } }[];
};

/** What the resource states must be what the signed transaction anchors. */
function checkAgreement(type: FhirType, resource: Claimed, args: AnchorRecordParams): void {
  if (resource.subject?.reference !== `Patient/${args.patient}`) {
    unprocessable(`subject must be Patient/${args.patient}, the patient the transaction names`);
  }
  if (type === 'Observation' && args.resourceType !== 'Observation') {
    unprocessable('an Observation must anchor a record of resourceType Observation');
  }
  const typeCodes = (resource.type?.coding ?? []).filter((c) => c.system === SYSTEM.resourceTypes);
  if (typeCodes.some((c) => c.code !== args.resourceType)) {
    unprocessable(`type must be ${args.resourceType}, as the transaction anchors`);
  }
  const categories = (resource.category ?? []).flatMap((c) => c.coding ?? []);
  const ours = categories.filter((c) => c.system === SYSTEM.category);
  if (ours.some((c) => c.code !== args.category)) {
    unprocessable(`category must be ${args.category}, as the transaction anchors`);
  }
  const sizes = (resource.content ?? []).flatMap((c) => c.attachment?.size ?? []);
  if (sizes.some((size) => size !== args.sizeBytes)) {
    unprocessable(`attachment size must be ${args.sizeBytes}, as the transaction anchors`);
  }
}

export async function create(
  context: ReadContext,
  type: FhirType,
  body: unknown,
): Promise<Resource> {
  const resource = body as Record<string, unknown> | null;
  if (resource === null || typeof resource !== 'object' || resource.resourceType !== type) {
    throw new FhirError('invalid', `the body must be a ${type} resource`);
  }
  const call = signedTransaction(resource);
  const caller = member(context.ledger, context.caller.member);
  if (caller === undefined || caller.signingKey !== call.signer) {
    throw new FhirError('forbidden', 'the transaction must be signed by the calling member');
  }
  checkAgreement(type, resource as Claimed, call.args);
  const submitted = await context.ledger.submit(call);
  if (!submitted.ok) {
    const code = submitted.status === 400 ? 'invalid' : 'processing';
    throw new FhirError(code, `transaction refused: ${submitted.detail}`);
  }
  if (submitted.code !== 0) {
    const code = FORBIDDEN_RESULTS.has(submitted.name) ? 'forbidden' : 'processing';
    throw new FhirError(code, `${submitted.name}: ${submitted.message}`);
  }
  return READERS[type].read(context, call.args.id);
}
