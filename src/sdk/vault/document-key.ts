/**
 * The per-document AES-256-GCM key. It is generated fresh for every document (and every new
 * version), never stored in the clear and never logged: the class hides its bytes from
 * JSON.stringify and from string conversion, so a stray log line cannot leak it.
 */

import { VaultCryptoError } from './errors.js';
import { DOCUMENT_KEY_BYTES } from './format.js';

export class DocumentKey {
  readonly #bytes: Uint8Array<ArrayBuffer>;
  #cryptoKey: Promise<CryptoKey> | undefined;

  private constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.#bytes = bytes;
  }

  /** A new random key from the host's WebCrypto. */
  static generate(): DocumentKey {
    const bytes = new Uint8Array(DOCUMENT_KEY_BYTES);
    globalThis.crypto.getRandomValues(bytes);
    return new DocumentKey(bytes);
  }

  /** Wraps raw key bytes, as HPKE unwrapping returns them; the bytes are copied. */
  static fromBytes(bytes: Uint8Array): DocumentKey {
    if (bytes.length !== DOCUMENT_KEY_BYTES) {
      throw new VaultCryptoError(
        'invalid_argument',
        `a document key is ${DOCUMENT_KEY_BYTES} bytes`,
      );
    }
    return new DocumentKey(new Uint8Array(bytes));
  }

  /** The raw bytes, for wrapping only. */
  exportBytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#bytes);
  }

  /** A non-extractable WebCrypto key for the chunk cipher, imported once. */
  cryptoKey(): Promise<CryptoKey> {
    this.#cryptoKey ??= globalThis.crypto.subtle.importKey(
      'raw',
      this.#bytes,
      { name: 'AES-GCM' },
      false,
      ['encrypt', 'decrypt'],
    );
    return this.#cryptoKey;
  }

  toJSON(): string {
    return 'DocumentKey(redacted)';
  }

  toString(): string {
    return 'DocumentKey(redacted)';
  }
}
