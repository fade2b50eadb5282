/**
 * The OpenAPI 3.1 description served at /openapi.json. Written by hand next to the routes
 * so each schema is stated once; the module list is filled in from the running engine.
 */
const hex = (bytes: number, description: string) => ({
  type: 'string',
  pattern: `^[0-9a-f]{${bytes * 2}}$`,
  description,
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});

const schemas = {
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status', 'code', 'detail'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      code: { type: 'string', description: 'Stable machine-readable code; see docs/api.md' },
      detail: { type: 'string' },
      field: { type: 'string', description: 'The offending field, when one is to blame' },
    },
  },
  Transaction: {
    type: 'object',
    additionalProperties: false,
    required: ['chainId', 'signer', 'nonce', 'module', 'action', 'args', 'signature'],
    properties: {
      chainId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
      signer: hex(32, 'Ed25519 public key'),
      nonce: { type: 'integer', minimum: 0 },
      module: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
      action: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9]{0,63}$' },
      args: { type: 'object' },
      expiresAt: { type: 'integer', minimum: 0, description: 'Last height for inclusion' },
      signature: hex(64, 'Ed25519 signature over the signing bytes (docs/spec/transaction.md)'),
    },
  },
  Receipt: {
    type: 'object',
    required: ['transactionHash', 'code', 'name', 'message', 'events'],
    properties: {
      transactionHash: hex(32, 'transaction hash'),
      code: { type: 'integer', description: '0 is success; see docs/spec/result-codes.md' },
      name: { type: 'string' },
      message: { type: 'string' },
      events: {
        type: 'array',
        items: {
          type: 'object',
          properties: { type: { type: 'string' }, attributes: { type: 'object' } },
        },
      },
    },
  },
  BlockHeader: {
    type: 'object',
    properties: {
      chainId: { type: 'string' },
      height: { type: 'integer' },
      time: { type: 'integer', description: 'Consensus time, ms since the Unix epoch' },
      previousHash: hex(32, 'previous block hash (genesis hash at height 1)'),
      transactionsRoot: hex(32, 'RFC 6962 root of transaction leaves'),
      resultsRoot: hex(32, 'RFC 6962 root of receipts'),
      stateRoot: hex(32, 'authenticated state root after this block'),
      transactionCount: { type: 'integer' },
      proposer: hex(32, 'validator public key'),
    },
  },
  CommitCertificate: {
    type: 'object',
    properties: {
      height: { type: 'integer' },
      round: { type: 'integer' },
      blockHash: hex(32, 'block hash'),
      signatures: {
        type: 'array',
        items: {
          type: 'object',
          properties: { validator: hex(32, 'validator key'), signature: hex(64, 'signature') },
        },
      },
    },
  },
};

const hashParameter = {
  name: 'hash',
  in: 'path',
  required: true,
  schema: hex(32, 'transaction hash'),
};

function paths() {
  return {
    '/v1/status': {
      get: {
        summary: 'Chain id, height, last block and validators',
        responses: { 200: { description: 'status' } },
      },
    },
    '/v1/tx': {
      post: {
        summary: 'Submit a signed transaction',
        parameters: [
          { name: 'wait', in: 'query', schema: { enum: ['commit'] } },
          { name: 'timeoutMs', in: 'query', schema: { type: 'integer' } },
        ],
        requestBody: { required: true, ...json(ref('Transaction')) },
        responses: {
          200: {
            description: 'committed (with ?wait=commit); the receipt says whether it succeeded',
          },
          202: { description: 'accepted into the mempool' },
          400: problemResponse('malformed or invalid transaction, bad signature, wrong chain'),
          403: problemResponse('unknown signer'),
          409: problemResponse('stale nonce, nonce gap, duplicate'),
          413: problemResponse('body too large'),
          503: problemResponse('mempool full'),
        },
      },
    },
    '/v1/txs': {
      post: {
        summary: 'Submit up to 10,000 signed transactions; one result per input',
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            properties: { transactions: { type: 'array', items: ref('Transaction') } },
          }),
        },
        responses: {
          200: { description: 'results in input order' },
          400: problemResponse('bad body'),
        },
      },
    },
    '/v1/tx/{hash}': {
      get: {
        summary: 'A transaction and its receipt',
        parameters: [hashParameter],
        responses: { 200: { description: 'found' }, 404: problemResponse('not found') },
      },
    },
    '/v1/tx/{hash}/proof': {
      get: {
        summary:
          'Inclusion proofs of a transaction and its receipt, ' +
          'the header and the commit certificate',
        parameters: [hashParameter],
        responses: { 200: { description: 'proof' }, 404: problemResponse('not committed') },
      },
    },
    '/v1/blocks/{height}': {
      get: {
        summary: 'A block by height, or "latest"',
        parameters: [{ name: 'height', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'block' }, 404: problemResponse('no such block') },
      },
    },
    '/v1/accounts/{publicKey}': {
      get: {
        summary: 'Nonces and key information for a public key',
        parameters: [
          { name: 'publicKey', in: 'path', required: true, schema: hex(32, 'public key') },
        ],
        responses: { 200: { description: 'account' } },
      },
    },
    '/v1/state/{module}/{query}': {
      get: {
        summary: 'A module query, answered with a proof under the latest state root',
        parameters: [
          { name: 'module', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'query', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: {
          200: { description: 'value and proof' },
          404: problemResponse('unknown module or query'),
        },
      },
    },
    '/v1/modules': {
      get: {
        summary: 'Modules, their actions and queries',
        responses: { 200: { description: 'modules' } },
      },
    },
    '/v1/events': {
      get: {
        summary: 'Server-sent events: block and tx',
        parameters: [{ name: 'from', in: 'query', schema: { type: 'integer' } }],
        responses: { 200: { description: 'text/event-stream' } },
      },
    },
    ...authPaths(),
    ...vaultPaths(),
    '/fhir/R4/metadata': {
      get: {
        summary: 'FHIR R4 CapabilityStatement; the facade is described there (docs/spec/fhir.md)',
        responses: { 200: { description: 'application/fhir+json' } },
      },
    },
  };
}

const member = [{ medchainSignature: [] }, { bearerToken: [] }];
const unauthenticated = problemResponse('no valid signature or token');

function authPaths() {
  return {
    '/v1/auth/challenge': {
      post: {
        summary: 'A one-time challenge for a member key to sign (docs/spec/auth.md)',
        responses: { 200: { description: 'challenge' } },
      },
    },
    '/v1/auth/token': {
      post: {
        summary: 'A short-lived bearer token for a signed challenge',
        responses: { 200: { description: 'token' }, 401: unauthenticated },
      },
    },
    '/v1/auth/whoami': {
      get: {
        summary: 'The member a request authenticates as',
        security: member,
        responses: { 200: { description: 'member' }, 401: unauthenticated },
      },
    },
  };
}

function vaultPaths() {
  const hash = { name: 'hash', in: 'path', required: true, schema: hex(32, 'SHA-256') };
  const recipient = { name: 'recipient', in: 'path', required: true, schema: hex(32, 'key') };
  const refused = {
    401: unauthenticated,
    403: problemResponse('not allowed: no consent, wrong organization or role'),
    410: problemResponse("erased at the patient's request"),
  };
  return {
    '/v1/vault/objects': {
      put: {
        summary: 'Upload a ciphertext (streamed); stored under its SHA-256',
        security: member,
        responses: {
          201: { description: 'stored' },
          413: problemResponse('too large'),
          ...refused,
        },
      },
    },
    '/v1/vault/objects/{hash}': {
      get: {
        summary: 'Download a ciphertext after the consent check and an on-chain audit event',
        security: member,
        parameters: [hash],
        responses: { 200: { description: 'application/octet-stream' }, ...refused },
      },
      delete: {
        summary: "Erase: destroy the ciphertext and every key wrap after the patient's request",
        security: member,
        parameters: [hash],
        responses: { 204: { description: 'erased' }, ...refused },
      },
    },
    '/v1/vault/objects/{hash}/keys/{recipient}': {
      put: {
        summary: 'Store a document key wrapped for a recipient (HPKE)',
        security: member,
        parameters: [hash, recipient],
        responses: { 204: { description: 'stored' }, ...refused },
      },
      get: {
        summary: 'Fetch the document key wrapped for a recipient',
        security: member,
        parameters: [hash, recipient],
        responses: { 200: { description: 'key wrap' }, ...refused },
      },
    },
    '/v1/vault/objects/{hash}/emergency-release/{recipient}': {
      post: {
        summary:
          "Under the caller's break-glass, the custodian's escrow wraps the document key for " +
          "the caller's own encryption key, after logging the release on chain",
        security: member,
        parameters: [hash, recipient],
        responses: {
          200: { description: '{record, version, recipient, wrap, breakGlass, notAfter, audit}' },
          ...refused,
          409: problemResponse('escrow_declined by the patient, or escrow_unavailable'),
        },
      },
    },
  };
}

export function openApiDocument(
  modules: { name: string; actions: string[]; queries: { name: string; params: string[] }[] }[],
): unknown {
  return {
    openapi: '3.1.0',
    info: {
      title: 'medchain API',
      version: '1',
      description:
        'Permissioned healthcare ledger. Modules on this node: ' +
        modules
          .map((module) => `${module.name} (actions: ${module.actions.join(', ')})`)
          .join('; '),
    },
    servers: [{ url: '/' }],
    paths: paths(),
    components: {
      schemas,
      securitySchemes: {
        medchainSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'authorization',
          description: 'Medchain keyId=…, ts=…, nonce=…, sig=… (docs/spec/auth.md)',
        },
        bearerToken: { type: 'http', scheme: 'bearer' },
      },
    },
  };
}
