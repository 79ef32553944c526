// Writes a pack file atomically: header, manifest, signature, then the payload copied from a spool file
// in 1 MiB chunks. The manifest is validated exactly as a reader would before anything is written.
import { closeSync, openSync, readSync } from 'node:fs';
import { openAtomicOutput } from '../fs/atomic-output.js';
import { CHUNK_SIZE, sha256Hex } from './hash.js';
import { HEADER_SIZE, MAX_SIGNATURE_LENGTH, encodeHeader } from './header.js';
import type { Manifest } from './manifest.js';
import { decodeManifest, encodeManifest } from './manifest-codec.js';
import { storeManifest } from './manifest-section.js';

/** The payload bytes: `length` bytes at position 0 of the open file `fd`, the blobs back to back in manifest order. */
export interface PayloadSource {
  fd: number;
  length: number;
  /**
   * When given, the payload is these pieces in order instead of `fd` (their lengths sum to `length`):
   * ranges of open files, or whole files by path (a builder's spill files, copied once, not twice).
   */
  pieces?: PayloadPiece[];
}

export type PayloadPiece = { fd: number; offset: number; length: number } | { path: string; length: number };

/** What was written. */
export interface WrittenPack {
  packId: string;
  size: number;
}

/** Writes `manifest`, `signature` (default none) and `payload` to `outPath`, replacing it atomically. */
export function writePack(outPath: string, manifest: Manifest, payload: PayloadSource, signature: Buffer = Buffer.alloc(0)): WrittenPack {
  const manifestBytes = encodeManifest(manifest);
  decodeManifest(manifestBytes, outPath);
  const declared = manifest.blobs.reduce((sum, b) => sum + b.storedSize, 0);
  if (declared !== payload.length) throw new Error(`payload is ${payload.length} bytes but the blobs declare ${declared}`);
  if (signature.length > MAX_SIGNATURE_LENGTH) throw new Error(`signature is ${signature.length} bytes, more than ${MAX_SIGNATURE_LENGTH}`);
  const section = storeManifest(manifestBytes, manifest.format);
  const out = openAtomicOutput(outPath);
  try {
    out.write(encodeHeader({ manifestLength: section.length, signatureLength: signature.length, payloadLength: payload.length, formatVersion: manifest.format }));
    out.write(section);
    out.write(signature);
    copyPayload(payload, out.write);
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
  return { packId: sha256Hex(manifestBytes), size: HEADER_SIZE + section.length + signature.length + payload.length };
}

function copyPayload(payload: PayloadSource, write: (buf: Uint8Array) => void): void {
  const buf = Buffer.allocUnsafe(CHUNK_SIZE);
  const pieces = payload.pieces ?? [{ fd: payload.fd, offset: 0, length: payload.length }];
  const total = pieces.reduce((sum, p) => sum + p.length, 0);
  if (total !== payload.length) throw new Error(`payload pieces hold ${total} bytes, not ${payload.length}`);
  for (const piece of pieces) {
    const fd = 'path' in piece ? openSync(piece.path, 'r') : piece.fd;
    try {
      const start = 'path' in piece ? 0 : piece.offset;
      for (let done = 0; done < piece.length;) {
        const n = readSync(fd, buf, 0, Math.min(CHUNK_SIZE, piece.length - done), start + done);
        if (n === 0) throw new Error(`a payload piece ended at ${done} of ${piece.length} bytes`);
        write(buf.subarray(0, n));
        done += n;
      }
    } finally {
      if ('path' in piece) closeSync(fd);
    }
  }
}
