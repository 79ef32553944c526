// Linux holder scan: every process (or the pids given) is checked for holds on the files by
// device+inode (scan-range.ts); long lists are shared with a second thread (scan-in-parallel.ts).
// Read-only callers (secondThread 'auto' or 'on') and transactions (placesUnder, on one thread) get the
// native scan when it is built (native-scan.ts).
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import type { FileKey, HoldScan, ScanOptions } from '../holds.js';
import { bootTimeMs, processFactsReader } from './process-facts.js';
import { rangeScanner, type ScanPart } from './scan-range.js';
import { hasNativeScan, scanNatively } from './native-scan.js';
import { scanInParallel } from './scan-in-parallel.js';
import { hasSpareCpu } from './spare-cpu.js';

/** Below this many processes one thread is faster: starting the second one takes about 20 ms. */
const PARALLEL_FROM = 300;
/**
 * The native scan's second thread starts in microseconds and has no heap, so it needs no spare-CPU
 * test: at 2,000 processes two threads took 95 ms against 176 on one when idle, 180 against 286
 * beside two busy loops and 280 against 438 beside four (docs/holders.md). It needs two chunks of
 * work (32 pids each) to have any.
 */
const NATIVE_PARALLEL_FROM = 64;

export function scanHolds(files: readonly FileKey[], pids?: readonly number[], options: ScanOptions = {}): HoldScan {
  const list = pids ?? listPids();
  const keys = files.map((f) => ({ dev: f.dev, ino: f.ino }));
  const mode = options.secondThread ?? 'off';
  let part: ScanPart & { secondThread: number };
  if (options.placesUnder !== undefined) {
    // Transactions ask for places by path: on one thread, so that their system calls come in one order
    // (the crash matrices count them); natively where it is built, about three times faster.
    let bootMs: number | undefined;
    const boot = (): number => (bootMs ??= bootTimeMs());
    if (options.native !== false && hasNativeScan()) {
      part = scanNatively(keys, list, { threads: 1, bootMs: options.facts === true ? boot : null, placesUnder: options.placesUnder });
    } else {
      part = { found: [], uninspectable: [], inspected: 0, vanished: 0, secondThread: 0 };
      rangeScanner(keys, options.facts === true ? processFactsReader(boot) : undefined, options.placesUnder)(list, 0, list.length, part);
    }
  } else if (mode !== 'off' && options.native !== false && hasNativeScan()) {
    const two = mode === 'on' || (list.length >= (options.parallelFrom ?? NATIVE_PARALLEL_FROM) && availableParallelism() >= 2);
    part = scanNatively(keys, list, { threads: two ? 2 : 1, bootMs: options.facts === true ? bootTimeMs() : null });
  } else if (mode === 'on' || (mode === 'auto' && list.length >= (options.parallelFrom ?? PARALLEL_FROM) && hasSpareCpu())) {
    // One boot time for the whole scan, so both threads compute the same start times.
    const bootMs = options.facts === true ? bootTimeMs() : null;
    part = scanInParallel(keys, list, { bootMs, share: Math.min(options.secondThreadShare ?? 0, list.length) });
  } else {
    part = { found: [], uninspectable: [], inspected: 0, vanished: 0, secondThread: 0 };
    // Read when the first holder needs it: a scan that finds nothing reads nothing else.
    let bootMs: number | undefined;
    rangeScanner(keys, options.facts === true ? processFactsReader(() => (bootMs ??= bootTimeMs())) : undefined)(list, 0, list.length, part);
  }
  part.found.sort((a, b) => a.pid - b.pid);
  part.uninspectable.sort((a, b) => a.pid - b.pid);
  return part;
}

function listPids(): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}
