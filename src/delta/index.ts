// Public API of the delta step: per-file zstd-patch encoding across worker threads, and the base check on apply.
export { DELTA_MAX_SIZE, DELTA_MIN_SIZE, DELTA_RECHECK_RATIO, deltaCandidate, deltaWindowLog } from './delta-params.js';
export { encodeDelta } from './encode-delta.js';
export { encodeFile } from './encode-file.js';
export type { EncodeFailure, EncodeJob, EncodeOutcome, EncodedFile } from './encode-file.js';
export { INLINE_BYTES, encodeAll, workerCountFor } from './encode-pool.js';
export { readBase, withBaseFile } from './read-base.js';
