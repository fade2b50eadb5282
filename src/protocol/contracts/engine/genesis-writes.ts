/**
 * The height-0 state: the engine's parameters plus each module's genesis state, encoded
 * once. A genesis that does not validate throws GenesisError: a node must not start from it.
 */
import { assert } from '../../core/assert.js';
import { canonicalBytes, type JsonValue } from '../../core/canonical.js';
import type { Crypto } from '../../core/crypto.js';
import { decodeGenesis } from '../../genesis/decode.js';
import { GenesisError } from '../../genesis/errors.js';
import { genesisHash } from '../../genesis/hash.js';
import { ENGINE_PARAMS_KEY } from './keys.js';
import type { ModuleDefinition } from './module.js';
import type { WriteSet } from './types.js';

export function engineGenesisWrites(
  crypto: Crypto,
  modules: readonly ModuleDefinition[],
  value: unknown,
): WriteSet {
  const decoded = decodeGenesis(value);
  if (!decoded.ok) {
    throw new GenesisError(decoded.field, decoded.message);
  }
  const genesis = decoded.value;
  const entries: [string, JsonValue][] = [
    [
      ENGINE_PARAMS_KEY,
      {
        chainId: genesis.chainId,
        appVersion: genesis.appVersion,
        genesisTime: genesis.genesisTime,
        genesisHash: genesisHash(crypto, genesis),
        consensus: { ...genesis.consensus },
      },
    ],
  ];
  for (const module of modules) {
    for (const entry of module.genesis(genesis)) {
      assert(entry[0].startsWith(`${module.name}/`), `genesis: ${entry[0]} outside its module`);
      entries.push(entry);
    }
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const writes: WriteSet = new Map();
  for (const [key, entryValue] of entries) {
    assert(!writes.has(key), `genesis: key ${key} written twice`);
    writes.set(key, canonicalBytes(entryValue));
  }
  return writes;
}
