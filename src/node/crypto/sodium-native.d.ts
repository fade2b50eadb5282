/**
 * Type declarations for the part of sodium-native that medchain calls; the package ships
 * none. Every function takes any Uint8Array view and works on it in place, which is what
 * lets the hot path hash and verify without copying.
 */
declare module 'sodium-native' {
  const sodium: {
    crypto_hash_sha256_BYTES: number;
    crypto_sign_BYTES: number;
    crypto_sign_PUBLICKEYBYTES: number;
    crypto_sign_SECRETKEYBYTES: number;
    crypto_sign_SEEDBYTES: number;
    crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
    crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
    crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
    crypto_sign_verify_detached(
      signature: Uint8Array,
      message: Uint8Array,
      publicKey: Uint8Array,
    ): boolean;
    crypto_scalarmult_base(publicKey: Uint8Array, secretKey: Uint8Array): void;
    sodium_malloc(size: number): Uint8Array;
  };
  export default sodium;
}
