/**
 * State keys the engine owns. Every module writes under "<module>/"; "engine/" is reserved
 * for these, so no module can forge a nonce or the chain parameters.
 */

/** Chain id, consensus parameters and genesis hash, written at genesis. */
export const ENGINE_PARAMS_KEY = 'engine/params';

/** The next nonce a signer must use; absent means 0. */
export function nonceKey(signer: string): string {
  return `engine/nonce/${signer}`;
}
