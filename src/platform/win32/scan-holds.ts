// Windows holder scan: the same Holder model as on Linux (docs/holders.md), from a table of sources
// that each add what they can see. Every match is by volume serial + file index, never by path.
import type { FileKey, HoldKind, HoldScan, ProcessHolds, ScanOptions } from '../holds.js';
import { scanDirectoryPlaces } from './directory-places.js';
import { scanHandles } from './handle-holds.js';
import { scanModules } from './module-holds.js';
import { processFactsWin32 } from './process-facts.js';
import { scanRestartManager } from './restart-manager.js';
import { scanState, unopened, type ScanState } from './scan-state.js';
import { win32, type Win32Api } from './win32-api.js';

/** One way of finding holders; `runs` says whether it can tell anything here and for this scan. */
interface HolderSource {
  name: string;
  runs(api: Win32Api, options: ScanOptions): boolean;
  scan(state: ScanState): void;
}

/**
 * The sources, in order. Restart Manager runs first and only for facts (it names applications and
 * services, not which file each holds); Wine stubs it, so it is skipped there. Loaded modules give
 * 'exe' and 'mapped' (and, with placesUnder, executables there by path); the handle table gives 'fd'
 * and 'cwd'; with placesUnder, current directories there are read by path.
 */
export const HOLDER_SOURCES: readonly HolderSource[] = [
  { name: 'restart-manager', runs: (api, o) => o.facts === true && !api.wine, scan: scanRestartManager },
  { name: 'modules', runs: () => true, scan: scanModules },
  { name: 'handles', runs: () => true, scan: scanHandles },
  { name: 'directory-places', runs: (_api, o) => o.placesUnder !== undefined, scan: scanDirectoryPlaces },
];

/**
 * Every process (or only `pids`) holding one of `files`, and with `placesUnder` every process whose
 * executable or current directory is there (by path: ProcessHolds.places). Reads only: modules are read
 * as memory and files opened for their identity, sharing everything, nothing is executed or loaded.
 * This process is left out. Runs on the calling thread (`secondThread` and `native` do not apply).
 */
export function scanHoldsWin32(files: readonly FileKey[], pids?: readonly number[], options: ScanOptions = {}): HoldScan {
  const api = win32();
  const state = scanState(files, pids ?? listProcesses(), options.placesUnder);
  try {
    for (const source of HOLDER_SOURCES) if (source.runs(api, options)) source.scan(state);
    const { uninspectable, vanished } = unopened(state);
    const found: ProcessHolds[] = [];
    for (const pid of new Set([...state.holds.keys(), ...state.places.keys()])) {
      const p = state.open(pid);
      const holds = state.holds.get(pid) ?? new Map<number, HoldKind>();
      const entry: ProcessHolds = { pid, holds: [...holds].map(([index, kind]: [number, HoldKind]) => ({ index, kind })).sort((a, b) => a.index - b.index) };
      const places = state.places.get(pid);
      if (places !== undefined) entry.places = places;
      if (options.facts === true && p.handle !== null) entry.facts = { ...processFactsWin32(pid, p.handle), ...state.extra.get(pid) };
      found.push(entry);
    }
    found.sort((a, b) => a.pid - b.pid);
    return { found, uninspectable, inspected: state.pids.length - uninspectable.length - vanished, vanished, secondThread: 0 };
  } finally {
    state.close();
  }
}

/** Every process id (EnumProcesses), grown until the list fits. */
export function listProcesses(): number[] {
  const api = win32();
  let pids = new Uint32Array(1024);
  for (;;) {
    const needed = [0];
    if (!api.EnumProcesses(pids, pids.byteLength, needed)) throw new Error(`EnumProcesses failed: error ${api.GetLastError()}`);
    const n = (needed[0] as number) / 4;
    // A full buffer may mean a longer list: ask again with more room.
    if (n < pids.length) return Array.from(pids.subarray(0, n));
    pids = new Uint32Array(pids.length * 2);
  }
}
