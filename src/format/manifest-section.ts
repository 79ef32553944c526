// The manifest section of a pack as stored: from format 3 one zstd frame of the canonical manifest
// bytes (hex digests and repeated keys are most of a manifest), before that the bytes themselves. The
// pack id and the signature are always over the canonical (decompressed) bytes (docs/format.md, "Layout").
import { CHANGES_ONLY_FORMAT } from './manifest.js';
import { MAX_MANIFEST_LENGTH, MIN_MANIFEST_LENGTH } from './header.js';
import { packInvalid } from './pack-errors.js';
import { MAX_FULL_WINDOW_LOG, newCompressor, zstd } from './zstd.js';

/** zstd level of the manifest frame: fixed, so the same manifest gives the same pack bytes. */
const MANIFEST_LEVEL = 19;

/** The section bytes for `manifestBytes` in a pack of format `format`. */
export function storeManifest(manifestBytes: Buffer, format: number): Buffer {
  if (format < CHANGES_ONLY_FORMAT) return manifestBytes;
  const out = Buffer.allocUnsafe(zstd().compressBound(manifestBytes.length));
  const n = newCompressor(MANIFEST_LEVEL).compress2(out, manifestBytes);
  return out.subarray(0, n);
}

/**
 * The canonical manifest bytes of a section read from a pack of format `format`: PACK_INVALID unless it
 * is exactly one zstd frame that declares its content size, at most 64 MiB, and decodes to exactly that.
 */
export function loadManifest(section: Buffer, format: number, packPath: string): Buffer {
  if (format < CHANGES_ONLY_FORMAT) return section;
  const z = zstd();
  const fail = (reason: string): never => {
    throw packInvalid(packPath, `the manifest section is not ${reason}`, 32);
  };
  let size: number | null;
  let frame: number;
  try {
    size = z.getFrameContentSize(section);
    frame = z.findFrameCompressedSize(section);
  } catch {
    return fail('a zstd frame');
  }
  if (frame !== section.length) fail('exactly one zstd frame');
  // Bounded before anything is allocated: the size the frame declares, as the header bounds the section.
  if (size === null || size < MIN_MANIFEST_LENGTH || size > MAX_MANIFEST_LENGTH) fail(`a zstd frame declaring a content size from ${MIN_MANIFEST_LENGTH} to ${MAX_MANIFEST_LENGTH} bytes`);
  const dctx = new z.DCtx();
  dctx.setParameter(z.DParameter.windowLogMax, MAX_FULL_WINDOW_LOG);
  const out = Buffer.alloc(size!);
  let n: number;
  try {
    n = dctx.decompress(out, section);
  } catch (err) {
    return fail(`a valid zstd frame (${err instanceof Error ? err.message : 'zstd error'})`);
  }
  if (n !== size) fail(`a zstd frame that decodes to the ${size} bytes it declares`);
  return out;
}
