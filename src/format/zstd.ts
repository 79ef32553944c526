// The zstd binding: the low-level streaming API of zstd-napi, plus the parameters the format fixes.
import binding from 'zstd-napi/binding.js';

export const zstd = binding;

/** zstd level used when the caller does not choose one. */
export const DEFAULT_ZSTD_LEVEL = 19;

/** Largest window a version-1 reader accepts (2^31), per docs/format.md 'Decoding a blob'. */
export const MAX_WINDOW_LOG = 31;
