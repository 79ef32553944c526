// Encodes one file as a standard zstd frame against the old file used as a raw-content dictionary: the
// `zstd-patch` codec's encoder (src/format/codecs/zstd-patch.ts), kept here for the delta step's callers.
export { encodeDelta } from '../format/codecs/zstd-patch.js';
