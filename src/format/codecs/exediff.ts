// The `exediff` encoding (docs/format.md, 'exediff'): regions copied from the old file plus a byte-wise
// difference, literal bytes between them, and for x86-64 executables (ELF, PE) a predictor that moves
// the old file's references to where their targets went. Encoded natively (native/exediff.c) on the
// build side; decoded here without native code.
import type { BlobCodec } from './codec.js';
import { decodeExediff } from './exediff-decode.js';
import { encodeExediff } from './exediff-encode.js';

export const exediffCodec: BlobCodec = {
  name: 'exediff',
  needsBase: true,
  encode: encodeExediff,
  decode: (ctx) => decodeExediff(ctx),
  describe: (blob) => `exediff against sha256 ${blob.base?.slice(0, 12) ?? '?'}…`,
};

