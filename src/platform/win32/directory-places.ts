// Holder source for ScanOptions.placesUnder: each process whose current directory is that directory or
// below it, read by path from the process's parameters block (what SetCurrentDirectory recorded), so a
// transaction need not list its whole target to find the processes sitting in it (docs/holders.md).
import { readProcessParameters } from './process-memory.js';
import type { ScanState } from './scan-state.js';

export function scanDirectoryPlaces(state: ScanState): void {
  for (const pid of state.pids) {
    const p = state.open(pid);
    if (p.handle === null) continue;
    const cwd = readProcessParameters(p.handle)?.cwdPath;
    if (cwd !== undefined) state.place(pid, 'cwd', cwd);
  }
}
