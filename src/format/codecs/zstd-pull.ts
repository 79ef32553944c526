// Reads one zstd frame held in memory as a stream of exactly `rawLength` bytes, decoded block by block
// into a buffer of the caller's: the decoded stream never needs to be in memory whole, and zstd is
// called once per block, not once per use.
import { MAX_FULL_WINDOW_LOG, windowLogFor, zstd, type ZstdBinding } from '../zstd.js';
import type { DecodeContext } from './codec.js';

type DCtx = InstanceType<ZstdBinding['DCtx']>;

export interface ZstdPull {
  /** The block buffer: bytes [at, end) are decoded and not yet taken. */
  readonly buf: Uint8Array;
  /** The next byte not taken; the caller advances it by what it took. */
  at: number;
  end: number;
  /**
   * Makes at least min(need, bytes of the stream not yet decoded + end − at) bytes available from `at`
   * (moving the ones left to the buffer's start, then decoding as much as fits): PACK_CORRUPT when the
   * frame ends before `rawLength` bytes or is damaged. `need` is at most the buffer's length.
   */
  want(need: number): void;
  /** Copies the stream's next `n` bytes to `dst[to, to + n)`. */
  read(dst: Uint8Array, to: number, n: number): void;
  /** PACK_CORRUPT unless the frame ended exactly after `rawLength` bytes and its last stored byte. */
  finish(): void;
}

/**
 * A pull reader of the frame `frame` (empty when `rawLength` is 0), named `name` in errors, decoding
 * into `buf`, with a window of at most `rawLength` rounded up to a power of two (and at most 2^27): the
 * frame's content is exactly that long, so it never needs more. zstd is never given room past
 * `rawLength` bytes in all, so the output is bounded by it whatever the frame says.
 */
export function zstdPull(ctx: DecodeContext, dctx: DCtx, name: string, frame: Uint8Array, rawLength: number, buf: Uint8Array): ZstdPull {
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
  const pull: ZstdPull = {
    buf,
    at: 0,
    end: 0,
    want(need) {
      if (pull.end - pull.at >= need || produced === rawLength) return;
      if (need > buf.length) throw new Error(`the ${name} stream's buffer holds ${buf.length} bytes, not ${need}`);
      buf.copyWithin(0, pull.at, pull.end);
      pull.end -= pull.at;
      pull.at = 0;
      const limit = Math.min(buf.length, pull.end + rawLength - produced);
      while (pull.end < limit) {
        if (frameLeft === 0) throw ctx.corrupt(`${rawLength} bytes in the ${name} stream`, `${produced} bytes`);
        const before = inPos;
        const k = step(buf.subarray(pull.end, limit));
        pull.end += k;
        produced += k;
        // No progress with input left and room for output is a stuck stream; with no input left, truncation.
        if (k === 0 && inPos === before && frameLeft !== 0) throw ctx.corrupt(`a complete zstd frame in the ${name} stream`, 'a truncated zstd frame');
      }
    },
    read(dst, to, n) {
      while (n > 0) {
        pull.want(1);
        const k = Math.min(n, pull.end - pull.at);
        if (k === 0) throw new Error(`the ${name} stream was read past its checked length`);
        dst.set(buf.subarray(pull.at, pull.at + k), to);
        pull.at += k;
        to += k;
        n -= k;
      }
    },
    finish() {
      if (rawLength === 0) {
        if (frame.length !== 0) throw ctx.corrupt(`an empty ${name} stream`, `${frame.length} stored bytes`);
        return;
      }
      if (pull.at !== pull.end || produced !== rawLength) throw new Error(`the ${name} stream was not read to its end`);
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
  return pull;
}
