// The `zstd` encoding: the content as one standard zstd frame (docs/format.md, 'Blob encodings').
import { encodeBlobFromFile } from '../blob-encoder.js';
import { MAX_FULL_WINDOW_LOG, windowLogFor } from '../zstd.js';
import type { BlobCodec } from './codec.js';
import { decodeZstdFrame } from './zstd-frame.js';

export const zstdCodec: BlobCodec = {
  name: 'zstd',
  needsBase: false,
  encode: (input, write) => encodeBlobFromFile(input.path, input.size, input.level, write),
  decode: (ctx) => decodeZstdFrame(ctx, windowLogFor(ctx.blob.size, MAX_FULL_WINDOW_LOG)),
  describe: () => 'zstd frame',
};
