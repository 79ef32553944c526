// The zstd binding: the low-level streaming API of zstd-napi, plus the parameters the format fixes.
import { createRequire } from 'node:module';
import type binding from 'zstd-napi/binding.js';

export type ZstdBinding = typeof binding;

const load = createRequire(import.meta.url);
let loaded: ZstdBinding | undefined;

/**
 * The binding, loaded on first use: commands that read no blob (holders, status, cleanup, trust) do not
 * load the native addon, about 5 ms of every start-up.
 */
export function zstd(): ZstdBinding {
  return (loaded ??= load('zstd-napi/binding.js') as ZstdBinding);
}

/**
 * A compression context with the parameters every blob of the format has, full or delta: `level`, the
 * content size in the frame header, no zstd checksum (the manifest's sha256 covers the content), and
 * no zstd worker threads (deterministic output).
 */
export function newCompressor(level: number): InstanceType<ZstdBinding['CCtx']> {
  const z = zstd();
  const cctx = new z.CCtx();
  cctx.setParameter(z.CParameter.compressionLevel, level);
  cctx.setParameter(z.CParameter.contentSizeFlag, 1);
  cctx.setParameter(z.CParameter.checksumFlag, 0);
  cctx.setParameter(z.CParameter.nbWorkers, 0);
  return cctx;
}

/** zstd level used when the caller does not choose one. */
export const DEFAULT_ZSTD_LEVEL = 19;

/** Largest window a version-1 reader accepts for a delta (2^31), per docs/format.md 'Decoding a blob'. */
export const MAX_WINDOW_LOG = 31;

/**
 * Largest window of a full (`zstd`) blob: 2^27, the most any compression level gives (levels 20-22 on
 * large files) and the most stock `zstd -d` accepts without `--long`/`--memory`.
 */
export const MAX_FULL_WINDOW_LOG = 27;

/** zstd's smallest window (ZSTD_WINDOWLOG_ABSOLUTEMIN): every frame may use 2^10 bytes. */
const MIN_WINDOW_LOG = 10;

/**
 * The largest window log a frame may declare to decode `span` bytes of history: the blob's size for a
 * full blob, base plus size for a delta (what the writer's window spans). An encoder that knows the
 * content size never needs more (zstd shrinks the window to it), so a frame asking for more is refused
 * before its window is allocated (docs/format.md, 'Decoding a blob').
 */
export function windowLogFor(span: number, maxLog: number): number {
  let log = MIN_WINDOW_LOG;
  while (log < maxLog && 2 ** log < span) log++;
  return log;
}

/** The first 4 bytes of a structured zstd dictionary (0xEC30A437 little-endian). */
const DICTIONARY_MAGIC = Buffer.from([0x37, 0xa4, 0x30, 0xec]);

/**
 * True when zstd's loadDictionary would parse `content` as a structured dictionary instead of raw content.
 * Such a file is never used as a delta base, so every zstd-patch frame means the same to the `zstd` CLI.
 */
export function startsWithDictionaryMagic(content: Uint8Array): boolean {
  return content.length >= 8 && DICTIONARY_MAGIC.equals(content.subarray(0, 4));
}
