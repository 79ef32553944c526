// Key ids: 8 random bytes stored in every minisign key and signature. They are shown as minisign shows
// them, the little-endian 64-bit number in upper-case hex, padded here to 16 digits.

export const KEY_ID_BYTES = 8;

export function keyIdHex(keyId: Uint8Array): string {
  return Buffer.from(keyId).reverse().toString('hex').toUpperCase();
}
