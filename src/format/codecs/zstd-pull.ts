// Reads one zstd frame held in memory as a stream of exactly `rawLength` bytes, pulled in pieces of the
// caller's size: the decoded stream never needs to be in memory whole.
import { MAX_FULL_WINDOW_LOG, windowLogFor, zstd, type ZstdBinding } from '../zstd.js';
import type { DecodeContext } from './codec.js';

type DCtx = InstanceType<ZstdBinding['DCtx']>;

export interface ZstdPull {
  /** Fills `dst[at, at + n)` with the stream's next `n` bytes: PACK_CORRUPT when the frame ends first. */
  read(dst: Uint8Array, at: number, n: number): void;
  /** PACK_CORRUPT unless the frame ended exactly after `rawLength` bytes and its last stored byte. */
  finish(): void;
}

/**
 * A pull reader of the frame `frame` (empty when `rawLength` is 0), named `name` in errors, with a
 * window of at most `rawLength` rounded up to a power of two (and at most 2^27): the frame's content is
 * exactly that long, so it never needs more.
 */
export function zstdPull(ctx: DecodeContext, dctx: DCtx, name: string, frame: Uint8Array, rawLength: number): ZstdPull {
  const z = zstd();
  dctx.reset(z.ResetDirective.sessionAndParameters);
  dctx.setParameter(z.DParameter.windowLogMax, windowLogFor(rawLength, MAX_FULL_WINDOW_LOG));
  let inPos = 0;
  let produced = 0;
  let frameLeft = rawLength === 0 ? 0 : 1;
  const step = (out: Uint8Array): number => {
    let result: [number, number, number];
    try {
      result = dctx.decompressStream(out, frame.subarray(inPos));
    } catch (err) {
      throw ctx.corrupt(`a valid zstd frame in the ${name} stream`, err instanceof Error ? `zstd error: ${err.message}` : 'zstd error');
    }
    frameLeft = result[0];
    inPos += result[2];
    return result[1];
  };
  return {
    read(dst, at, n) {
      if (produced + n > rawLength) throw new Error(`the ${name} stream was read past its checked length`);
      let got = 0;
      while (got < n) {
        if (frameLeft === 0) throw ctx.corrupt(`${rawLength} bytes in the ${name} stream`, `${produced + got} bytes`);
        const before = inPos;
        const k = step(dst.subarray(at + got, at + n));
        got += k;
        // No progress with input left and room for output is a stuck stream; with no input left, truncation.
        if (k === 0 && inPos === before && frameLeft !== 0) throw ctx.corrupt(`a complete zstd frame in the ${name} stream`, 'a truncated zstd frame');
      }
      produced += n;
    },
    finish() {
      if (rawLength === 0) {
        if (frame.length !== 0) throw ctx.corrupt(`an empty ${name} stream`, `${frame.length} stored bytes`);
        return;
      }
      if (frameLeft !== 0) {
        // The frame may end without more output (its last block, or an empty one): ask for it.
        const probe = new Uint8Array(1);
        const k = step(probe);
        if (k !== 0) throw ctx.corrupt(`${rawLength} bytes in the ${name} stream`, `more than ${rawLength} bytes`);
        if (frameLeft !== 0) throw ctx.corrupt(`a complete zstd frame in the ${name} stream`, 'a truncated zstd frame');
      }
      if (inPos !== frame.length) throw ctx.corrupt(`one zstd frame in the ${name} stream`, 'stored bytes after the end of the frame');
    },
  };
}
