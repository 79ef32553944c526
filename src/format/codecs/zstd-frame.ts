// Decoding of one standard zstd frame from a blob's stored bytes, shared by the `zstd` and `zstd-patch`
// codecs: the window bound is set before the first byte, bytes after the frame's end are refused.
import { CHUNK_SIZE } from '../hash.js';
import { MAX_FULL_WINDOW_LOG, MAX_WINDOW_LOG, zstd, type ZstdBinding } from '../zstd.js';
import type { DecodeContext } from './codec.js';

type DCtx = InstanceType<ZstdBinding['DCtx']>;

/**
 * One zstd context and one output buffer per open pack, reused blob after blob: a fresh context and
 * buffer per blob would make the kernel hand out (and zero) new pages for zstd's window and for the
 * output each time, which costs more than decoding a small delta.
 */
interface FrameScratch {
  dctx: DCtx;
  output?: Buffer;
}

/**
 * Decodes the blob's stored bytes as exactly one zstd frame with a window of at most 2^`windowLog`
 * bytes, after `prepare` (which may load a dictionary) ran on the reset context.
 */
export function decodeZstdFrame(ctx: DecodeContext, windowLog: number, prepare?: (dctx: DCtx) => void): void {
  const z = zstd();
  const scratch = (ctx.scratch.get('zstd-frame') as FrameScratch | undefined) ?? { dctx: new z.DCtx() };
  ctx.scratch.set('zstd-frame', scratch);
  const { dctx } = scratch;
  // Whatever an earlier blob left (a dictionary, a frame it stopped in) is dropped here.
  dctx.reset(z.ResetDirective.sessionAndParameters);
  // zstd checks the frame's window against this before it allocates the window: memory is bounded by
  // what the blob declares, not by what its frame asks for.
  dctx.setParameter(z.DParameter.windowLogMax, windowLog);
  prepare?.(dctx);
  const size = ctx.blob.size;
  const wanted = Math.min(CHUNK_SIZE, size + 1);
  if (scratch.output === undefined || scratch.output.length < wanted) scratch.output = Buffer.allocUnsafe(wanted);
  const output = scratch.output.subarray(0, wanted);
  let frameLeft = 1;
  for (let src = ctx.nextStored(); src !== null; src = ctx.nextStored()) {
    let consumedTotal = 0;
    let produced = 0;
    do {
      let consumed: number;
      try {
        [frameLeft, produced, consumed] = dctx.decompressStream(output, src.subarray(consumedTotal));
      } catch (err) {
        if (err instanceof Error && WINDOW_TOO_LARGE.test(err.message)) throw ctx.corrupt(windowBound(windowLog, ctx.base !== undefined), 'a frame declaring a larger window');
        throw ctx.corrupt('a valid zstd frame', err instanceof Error ? `zstd error: ${err.message}` : 'zstd error');
      }
      consumedTotal += consumed;
      if (frameLeft === 0 && consumedTotal < src.length) throw ctx.corrupt('one zstd frame', 'stored bytes after the end of the frame');
      if (produced > 0) ctx.write(output.subarray(0, produced));
      // A full output buffer may hide more output, unless the frame just ended: asking zstd again
      // then would start reading a next frame (and report it as truncated).
    } while (frameLeft !== 0 && (consumedTotal < src.length || produced === output.length));
    if (frameLeft === 0) {
      if (ctx.nextStored() !== null) throw ctx.corrupt('one zstd frame', 'stored bytes after the end of the frame');
      return;
    }
  }
  throw ctx.corrupt('a complete zstd frame', 'a truncated zstd frame');
}

/** zstd's message for ZSTD_error_frameParameter_windowTooLarge. */
const WINDOW_TOO_LARGE = /requires too much memory/;

function windowBound(windowLog: number, delta: boolean): string {
  const cap = delta ? MAX_WINDOW_LOG : MAX_FULL_WINDOW_LOG;
  const why = windowLog === cap ? `the most a ${delta ? 'delta' : 'full blob'} may use`
    : `${delta ? "the base's size plus the blob's" : "the blob's size"}, rounded up to a power of two`;
  return `a zstd window of at most ${2 ** windowLog} bytes (${why})`;
}
