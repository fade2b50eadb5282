/** State keys of the identity module; the layout is in src/protocol/contracts/README.md. */

export const VALIDATORS_KEY = 'identity/validators';
export const SUMMARY_KEY = 'identity/summary';

export function organizationKey(id: string): string {
  return `identity/organization/${id}`;
}

export function memberKey(id: string): string {
  return `identity/member/${id}`;
}

/** The key index: one entry per Ed25519 public key ever registered. */
export function publicKeyKey(publicKey: string): string {
  return `identity/key/${publicKey}`;
}

export function proposalKey(id: number): string {
  return `identity/proposal/${id}`;
}
