// The WebAssembly core of the exediff decoder (native/x86-predict.c, built into dist/native/x86-predict.wasm
// by `npm run build` when clang and wasm-ld are installed, and shipped in the package): per piece of a
// copied region, the copy of the old bytes, the x86-64 predictor and the diff bytes, the same rules as
// x86-predict.ts, which stays the reference and the decoder where the module is absent. Nothing native
// is loaded: WebAssembly runs in every Node line. The module works in its own memory, which holds the
// output buffer, a window of old bytes, the diff stream's block and the checked tables, never the base.
import { readFileSync } from 'node:fs';
import { nativeFile } from '../../platform/native-file.js';
import type { Layout, Segment } from './exediff-container.js';
import { rel32Forms, sortByOld, type Regions } from './x86-predict.js';

// The few WebAssembly JS API calls used here (Node has them all; the project's type library, ES2022 and
// Node's types, does not declare them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly kind: 'module';
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
  Memory: new (size: { initial: number }) => WasmMemory;
  CompileError: new () => Error;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface CoreExports {
  __heap_base: { value: number };
  init(segs: number, oldCount: number, newCount: number, forms: number, sorted: number, first: number): void;
  region(o: number, n: number, len: number): void;
  step(out: number, win: number, k: number, piece: number, diff: number, predicting: number): number;
}

/** One instance and its memory, kept per pack (the decoder's scratch) and grown as blobs need. */
export interface CoreInstance {
  memory: WasmMemory;
  exports: CoreExports;
}

/** What the decoder uses for one blob: buffers in the module's memory and the two calls. */
export interface ExediffCore {
  /** The output buffer (`chunkSize` bytes). */
  out: Buffer;
  /** Where the caller puts a piece's old bytes and the 8 after them (`chunkSize + 8` bytes). */
  win: Buffer;
  /** The diff stream's block buffer (`chunkSize` bytes). */
  diff: Buffer;
  /** Starts a region copying `len` bytes from old offset `o` to new offset `n`. */
  region(o: number, n: number, len: number): void;
  /**
   * Writes out[fill, fill + final): the old bytes in win[0, piece) (region offsets [k, k + piece)),
   * predicted, plus diff[diffAt, diffAt + final). Returns `final` (≤ piece, > 0 unless piece is 0).
   */
  step(fill: number, k: number, piece: number, diffAt: number): number;
}

/** Bytes after the window's piece the predictor may read (a field or a data word starting inside it). */
export const LOOKAHEAD = 8;
const WASM_PAGE = 65536;
/** The module addresses its memory with 32 bits (bases stay in the caller's buffer), and old offsets are u32 below 2^31 in its tables. */
const MAX_MEMORY = 2 ** 31;

let compiled: WasmModule | null | undefined;

/** The compiled module, or null where it was not built (or does not compile). The bundle (dist/bundle/) and the library (dist/src/format/codecs/) find it in dist/native/. */
export function coreModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  const file = nativeFile('x86-predict.wasm');
  if (file === null) return compiled;
  try {
    compiled = new wasmApi.Module(readFileSync(file));
  } catch (err) {
    // A damaged or foreign file: the TypeScript decoder runs, as without the module.
    if (!(err instanceof wasmApi.CompileError)) throw err;
  }
  return compiled;
}

const align = (x: number, a: number): number => Math.ceil(x / a) * a;

/**
 * The core for one blob, or null when the module is absent, the base is 2 GiB or more or the module's
 * memory would pass 2 GiB (then the TypeScript decoder runs). `layout` undefined: no predictor (the core still copies and adds the diff).
 */
export function exediffCore(kept: { core?: CoreInstance }, chunkSize: number, oldSize: number, layout: Layout | undefined, regions: Regions): ExediffCore | null {
  const mod = coreModule();
  if (mod === null || oldSize >= MAX_MEMORY) return null;
  const segs = layout === undefined ? [] : [...layout.old, ...layout.new];
  const tables = layout === undefined ? undefined : sortByOld(regions, oldSize);
  const heap = kept.core === undefined ? 0 : kept.core.exports.__heap_base.value;
  // Layout: out, win, diff, forms, segments, sorted regions, page index.
  const at = (() => {
    let p = align(Math.max(heap, 1024), 16);
    const take = (n: number, a = 16): number => {
      p = align(p, a);
      const start = p;
      p += n;
      return start;
    };
    const out = take(chunkSize + 16);
    const win = take(chunkSize + LOOKAHEAD + 32);
    const diff = take(chunkSize + 16);
    const forms = take(rel32Forms().length);
    const seg = take(48 * segs.length, 8);
    const sorted = take(16 * regions.count, 8);
    const first = take(4 * (tables?.first.length ?? 0), 4);
    return { out, win, diff, forms, seg, sorted, first, end: p };
  })();
  // The heap base is known once instantiated: a first instance, then the sizes above with its heap base.
  if (at.end + WASM_PAGE > MAX_MEMORY) return null;
  let core = kept.core;
  if (core === undefined) {
    const memory = new wasmApi.Memory({ initial: Math.ceil((at.end + 4 * WASM_PAGE) / WASM_PAGE) });
    const instance = new wasmApi.Instance(mod, { env: { memory } });
    core = { memory, exports: instance.exports as unknown as CoreExports };
    kept.core = core;
    return exediffCore(kept, chunkSize, oldSize, layout, regions);
  }
  const pages = Math.ceil(at.end / WASM_PAGE);
  if (core.memory.buffer.byteLength < pages * WASM_PAGE) core.memory.grow(pages - core.memory.buffer.byteLength / WASM_PAGE);
  const buf = core.memory.buffer;
  new Uint8Array(buf, at.forms, rel32Forms().length).set(rel32Forms());
  if (layout !== undefined && tables !== undefined) {
    const s = new Float64Array(buf, at.seg, 6 * segs.length);
    segs.forEach((g: Segment, i) => s.set([g.off, g.off + g.fileSize, g.vaddr, g.vaddr + g.fileSize, g.vaddr + g.memSize, g.exec ? 1 : 0], 6 * i));
    // 16 bytes per region: old offset and old end (u32), new minus old offset (f64).
    const words = new Uint32Array(buf, at.sorted, 4 * regions.count);
    const deltas = new Float64Array(buf, at.sorted, 2 * regions.count);
    const { sorted } = tables;
    for (let x = 0; x < regions.count; x++) {
      words[4 * x] = sorted[3 * x]!;
      words[4 * x + 1] = sorted[3 * x + 1]!;
      deltas[2 * x + 1] = sorted[3 * x + 2]!;
    }
    new Int32Array(buf, at.first, tables.first.length).set(tables.first);
    core.exports.init(at.seg, layout.old.length, layout.new.length, at.forms, at.sorted, at.first);
  }
  const { region, step } = core.exports;
  const predicting = layout === undefined ? 0 : 1;
  const outAt = at.out;
  const winAt = at.win;
  const diffAt0 = at.diff;
  return {
    out: Buffer.from(buf, at.out, chunkSize),
    win: Buffer.from(buf, at.win, chunkSize + LOOKAHEAD),
    diff: Buffer.from(buf, at.diff, chunkSize),
    region,
    step: (fill, k, piece, diffAt) => step(outAt + fill, winAt, k, piece, diffAt0 + diffAt, predicting),
  };
}
