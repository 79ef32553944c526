// The `zstd-patch` encoding: one standard zstd frame decoded with the old content as a raw-content
// dictionary, exactly what `zstd --patch-from=OLD --long` writes and `zstd -d --patch-from=OLD` reads
// (docs/format.md, 'Blob encodings'). Encoding is single-threaded and deterministic.
import type { CParameter } from 'zstd-napi/binding.js';
import { sha256Hex } from '../hash.js';
import { MAX_WINDOW_LOG, newCompressor, startsWithDictionaryMagic, windowLogFor, zstd } from '../zstd.js';
import type { BlobCodec } from './codec.js';
import { decodeZstdFrame } from './zstd-frame.js';

/** zstd's experimental ZSTD_c_forceAttachDict parameter; value ZSTD_dictForceLoad loads the dictionary like a prefix. */
const FORCE_ATTACH_DICT = 1001;
const DICT_FORCE_LOAD = 3;

/** log2 of a window that spans the whole base and the whole new file (zstd lowers it again to what it needs). */
function deltaWindowLog(baseSize: number, newSize: number): number {
  const span = baseSize + newSize;
  return Math.min(31, Math.max(10, Math.ceil(Math.log2(Math.max(span, 1)))));
}

/**
 * The zstd frame that turns `base` into `content`. `base` must not start with the zstd dictionary magic
 * (check with `startsWithDictionaryMagic`); zstd would read it as a structured dictionary.
 */
export function encodeDelta(base: Uint8Array, content: Uint8Array, level: number): Buffer {
  if (startsWithDictionaryMagic(base)) throw new Error('a delta base must not start with the zstd dictionary magic');
  const z = zstd();
  const cctx = newCompressor(level);
  cctx.setParameter(z.CParameter.dictIDFlag, 0);
  cctx.setParameter(z.CParameter.windowLog, deltaWindowLog(base.length, content.length));
  cctx.setParameter(z.CParameter.enableLongDistanceMatching, 1);
  // Attaching (zstd's default for large inputs) searches the dictionary with its own smaller tables;
  // force-loading indexes it like a prefix: biome 2.6.7 -> 2.6.8 at level 19 went from 20.2% to 12.3%.
  cctx.setParameter(FORCE_ATTACH_DICT as CParameter, DICT_FORCE_LOAD);
  cctx.loadDictionary(base);
  const out = Buffer.allocUnsafe(z.compressBound(content.length));
  const n = cctx.compress2(out, content);
  // An unpooled buffer of its own, so a worker can transfer it.
  const frame = Buffer.allocUnsafeSlow(n);
  out.copy(frame, 0, 0, n);
  return frame;
}

export const zstdPatchCodec: BlobCodec = {
  name: 'zstd-patch',
  needsBase: true,
  encode(input, write) {
    const { base, content } = input;
    if (base === undefined || content === undefined) throw new Error('zstd-patch encodes a content in memory against its base');
    // zstd would read such a base as a structured dictionary, not as raw content.
    if (startsWithDictionaryMagic(base)) return null;
    const frame = encodeDelta(base, content, input.level);
    write(frame);
    return { size: content.length, sha256: sha256Hex(content), storedSize: frame.length, storedSha256: sha256Hex(frame) };
  },
  decode(ctx) {
    const base = ctx.base!;
    // zstd reads a dictionary starting with its magic as a structured dictionary, not as raw content.
    if (startsWithDictionaryMagic(base)) throw ctx.corrupt('a base that is raw content', 'a base starting with the zstd dictionary magic');
    decodeZstdFrame(ctx, windowLogFor(base.length + ctx.blob.size, MAX_WINDOW_LOG), (dctx) => dctx.loadDictionary(base));
  },
  describe: (blob) => `zstd patch against sha256 ${blob.base?.slice(0, 12) ?? '?'}…`,
};
