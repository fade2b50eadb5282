/**
 * The protocol compiles without DOM or Node types so that no host API leaks in. UTF-8
 * encoding is the one host facility it needs; every JavaScript runtime has it, so only
 * these two classes are declared.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
