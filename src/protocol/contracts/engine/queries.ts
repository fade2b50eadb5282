/**
 * Query dispatch. A query answer names the state key it was read from, so the node can
 * attach a proof that the key holds that value (or none) at a height.
 */
import { isHex } from '../../core/bytes.js';
import { ENGINE_PARAMS_KEY, nonceKey } from './keys.js';
import type { StateRead } from './module.js';
import type { Registry } from './registry.js';
import type { QueryResult } from './types.js';

type QueryError = {
  error: 'unknown_module' | 'unknown_query' | 'invalid_params';
  message: string;
};

/** Queries over the engine's own keys: the next nonce of a signer, the chain parameters. */
export function engineQuery(
  get: StateRead,
  name: string,
  params: Record<string, string>,
): QueryResult | QueryError {
  if (name === 'nonce') {
    const signer = params.signer;
    if (signer === undefined || !isHex(signer, 32) || Object.keys(params).length !== 1) {
      return { error: 'invalid_params', message: 'signer must be a 32-byte public key in hex' };
    }
    const key = nonceKey(signer);
    return { key, value: get(key) ?? null };
  }
  if (name === 'params') {
    if (Object.keys(params).length !== 0) {
      return { error: 'invalid_params', message: 'params takes no parameters' };
    }
    return { key: ENGINE_PARAMS_KEY, value: get(ENGINE_PARAMS_KEY) ?? null };
  }
  return { error: 'unknown_query', message: `module "engine" has no query "${name}"` };
}

export function moduleQuery(
  registry: Registry,
  get: StateRead,
  request: { module: string; name: string; params: Record<string, string> },
): QueryResult | QueryError {
  const module = registry.modules.get(request.module);
  if (module === undefined) {
    return { error: 'unknown_module', message: `no module "${request.module}"` };
  }
  const query = module.queries.find((candidate) => candidate.name === request.name);
  if (query === undefined) {
    const message = `module "${request.module}" has no query "${request.name}"`;
    return { error: 'unknown_query', message };
  }
  for (const param of Object.keys(request.params)) {
    if (!query.params.includes(param)) {
      return { error: 'invalid_params', message: `unknown parameter "${param}"` };
    }
  }
  const outcome = query.run(get, request.params);
  if (!outcome.ok) {
    return { error: 'invalid_params', message: outcome.message };
  }
  return { key: outcome.key, value: outcome.value };
}
