// The fixed 32-byte header of a pack: encoding, and decoding that checks every field against its bound
// before any length it declares is trusted.
import { FORMAT_VERSION, READABLE_FORMATS } from './manifest.js';
import { packInvalid, packUnsupported } from './pack-errors.js';

export const HEADER_SIZE = 32;
export const PACK_MAGIC = Buffer.from([0x89, 0x53, 0x56, 0x50, 0x41, 0x43, 0x4b, 0x0a]);
export const MAX_MANIFEST_LENGTH = 64 * 1024 * 1024;
export const MIN_MANIFEST_LENGTH = 2;
export const MAX_SIGNATURE_LENGTH = 8 * 1024;
export const MAX_PAYLOAD_LENGTH = Number.MAX_SAFE_INTEGER;

/** The decoded header fields. */
export interface PackHeader {
  formatVersion: number;
  flags: number;
  manifestLength: number;
  signatureLength: number;
  payloadLength: number;
}

/** The 32 header bytes for a pack with the given section lengths, of FORMAT_VERSION unless told. */
export function encodeHeader(lengths: { manifestLength: number; signatureLength: number; payloadLength: number; formatVersion?: number }): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE);
  PACK_MAGIC.copy(buf, 0);
  buf.writeUInt16LE(lengths.formatVersion ?? FORMAT_VERSION, 8);
  buf.writeUInt16LE(0, 10);
  buf.writeUInt32LE(lengths.manifestLength, 12);
  buf.writeUInt32LE(lengths.signatureLength, 16);
  buf.writeBigUInt64LE(BigInt(lengths.payloadLength), 20);
  buf.writeUInt32LE(0, 28);
  return buf;
}

/** Decodes and bound-checks a header; PACK_INVALID for damage, PACK_UNSUPPORTED for another format version. */
export function decodeHeader(buf: Uint8Array, packPath: string): PackHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER_SIZE) invalid(packPath, b.length, `the file is ${b.length} bytes, shorter than the ${HEADER_SIZE}-byte header`);
  if (!b.subarray(0, 8).equals(PACK_MAGIC)) invalid(packPath, 0, 'the magic bytes are not those of a service pack');
  const formatVersion = b.readUInt16LE(8);
  if (!READABLE_FORMATS.includes(formatVersion)) {
    throw packUnsupported(packPath, `service pack format ${formatVersion}`, formatVersion);
  }
  const flags = b.readUInt16LE(10);
  if (flags !== 0) invalid(packPath, 10, `the header flags are ${flags}, not 0`);
  const manifestLength = b.readUInt32LE(12);
  if (manifestLength < MIN_MANIFEST_LENGTH || manifestLength > MAX_MANIFEST_LENGTH) {
    invalid(packPath, 12, `the manifest length ${manifestLength} is outside ${MIN_MANIFEST_LENGTH}..${MAX_MANIFEST_LENGTH}`);
  }
  const signatureLength = b.readUInt32LE(16);
  if (signatureLength > MAX_SIGNATURE_LENGTH) {
    invalid(packPath, 16, `the signature length ${signatureLength} exceeds ${MAX_SIGNATURE_LENGTH}`);
  }
  const payload = b.readBigUInt64LE(20);
  if (payload > BigInt(MAX_PAYLOAD_LENGTH)) invalid(packPath, 20, `the payload length ${payload} exceeds 2^53 - 1`);
  if (b.readUInt32LE(28) !== 0) invalid(packPath, 28, 'the reserved header field is not zero');
  return { formatVersion, flags, manifestLength, signatureLength, payloadLength: Number(payload) };
}

function invalid(path: string, offset: number, reason: string): never {
  throw packInvalid(path, reason, offset);
}
