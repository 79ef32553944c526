// The native holder scan (native/scan.c, built into dist/native/scan.node): the same loop as
// scan-range.ts and the same raw reads as process-facts.ts, in C on one or two POSIX threads. Read-only
// callers use it when it is built (docs/holders.md, "Native scan"); a transaction's scans (with places)
// use it on one thread, which scan.c starts so that the calling thread's system calls, the ones the
// crash matrices enumerate, do not vary with the number of processes.
import type { FileKey, HoldKind, ProcessHolds } from '../holds.js';
import { loadNativeAddon } from './load-addon.js';
import { factsDecoder } from './process-facts.js';
import type { ScanPart } from './scan-range.js';

interface NativeResult {
  /**
   * [pid, [index, kind code, ...], then with facts: start ticks, comm, uid, cmdline (null: denied),
   * cgroup (null: denied); then with places: [kind code, path, ...]]
   */
  found: [number, number[], number?, string?, number?, (Buffer | null)?, (Buffer | null)?, (number | string)[]?][];
  denied: number[];
  inspected: number;
  vanished: number;
  secondThread: number;
}
interface NativeModule {
  scanHolds(keys: Float64Array, pids: Int32Array, threads: number, facts: boolean, placesUnder?: string): NativeResult;
}

/** Kind codes of scan.c, in order of strength. */
const KINDS: readonly HoldKind[] = ['cwd', 'cwd', 'root', 'fd', 'mapped', 'exe'];

let loaded: NativeModule | null | undefined;

/**
 * The native module, or null where it is not built or does not load here (the package ships it built
 * for linux-x64 with glibc: another CPU or C library gets the JavaScript scan, docs/node-lines.md). The
 * CLI bundle (dist/bundle/) and the library (dist/src/platform/linux/) find it at dist/native/scan.node.
 */
function nativeModule(): NativeModule | null {
  if (loaded !== undefined) return loaded;
  loaded = loadNativeAddon<NativeModule>('scan.node');
  return loaded;
}

/** Whether the native scan is built. */
export function hasNativeScan(): boolean {
  return nativeModule() !== null;
}

/**
 * Scans `pids` natively; `bootMs` non-null asks for facts, with that boot time (a function: read when the
 * first holder needs it); `placesUnder` asks for places too (ScanOptions.placesUnder).
 */
export function scanNatively(files: readonly FileKey[], pids: readonly number[], opts: { threads: 1 | 2; bootMs: number | (() => number) | null; placesUnder?: string }): ScanPart & { secondThread: number } {
  const native = nativeModule();
  if (native === null) throw new Error('the native holder scan is not built (npm run build)');
  const keys = new Float64Array(files.length * 2);
  files.forEach((f, i) => {
    keys[2 * i] = f.dev;
    keys[2 * i + 1] = f.ino;
  });
  const r = native.scanHolds(keys, Int32Array.from(pids), opts.threads, opts.bootMs !== null, opts.placesUnder);
  const bootMs = opts.bootMs;
  const decoder = bootMs === null ? undefined : factsDecoder(typeof bootMs === 'number' ? () => bootMs : bootMs);
  const found = r.found.map(([pid, flat, ticks, comm, uid, cmdline, cgroup, places]): ProcessHolds => {
    const holds: ProcessHolds['holds'] = [];
    for (let i = 0; i < flat.length; i += 2) holds.push({ index: flat[i]!, kind: KINDS[flat[i + 1]!]! });
    holds.sort((a, b) => a.index - b.index);
    const p: ProcessHolds = { pid, holds };
    if (places !== undefined && places.length > 0) {
      p.places = [];
      for (let i = 0; i < places.length; i += 2) p.places.push({ kind: KINDS[places[i] as number] as 'exe' | 'cwd' | 'root', path: places[i + 1] as string });
    }
    if (decoder !== undefined) p.facts = decoder.facts({ ticks: ticks!, comm: comm!, uid: uid!, cmdline: cmdline ?? null, cgroup: cgroup ?? null });
    return p;
  });
  return { found, uninspectable: r.denied.map((pid) => ({ pid, reason: 'permission' })), inspected: r.inspected, vanished: r.vanished, secondThread: r.secondThread };
}
