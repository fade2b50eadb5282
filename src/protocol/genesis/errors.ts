/**
 * The error an operator sees for a genesis file that does not validate. Operational, not
 * consensus: it stops a node from starting, it is never recorded on chain.
 */
export class GenesisError extends Error {
  override name = 'GenesisError';
  readonly code = 'invalid_genesis';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
