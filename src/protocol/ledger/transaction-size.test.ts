/** The size shortcut used at admission equals the canonical size of the signed transaction. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { pureCrypto, seedSigner } from '../core/crypto.js';
import {
  encodedSize,
  encodedSizeFromSigningBytes,
  signingBytes,
  signTransaction,
} from './transaction.js';

test('encodedSizeFromSigningBytes equals the canonical size', () => {
  const signer = seedSigner(new Uint8Array(32).fill(7));
  const signerHex = Buffer.from(signer.publicKey).toString('hex');
  fc.assert(
    fc.property(
      fc.nat(),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
      fc.option(fc.nat(), { nil: undefined }),
      (nonce, args, expiresAt) => {
        const transaction = signTransaction(signer, {
          chainId: 'c',
          signer: signerHex,
          nonce,
          module: 'identity',
          action: 'registerMember',
          args,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        });
        const size = encodedSizeFromSigningBytes(signingBytes(transaction));
        assert.equal(size, encodedSize(transaction));
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(pureCrypto);
});
