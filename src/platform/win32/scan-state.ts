// What the holder sources of one Windows scan share: the keys looked for, the processes opened once
// each, and the holds found so far (the strongest kind per process and file).
import { strongerHold, type FileKey, type HoldKind, type ProcessFacts, type ProcessHolds, type Uninspectable } from '../holds.js';
import { placeMatcher } from './place-matcher.js';
import { isHandle, win32 } from './win32-api.js';

const PROCESS_QUERY_INFORMATION = 0x400;
const PROCESS_VM_READ = 0x10;
const PROCESS_DUP_HANDLE = 0x40;
const ERROR_ACCESS_DENIED = 5;


/** A process opened for the scan, or why it could not be. */
export type OpenedProcess = { handle: bigint } | { handle: null; reason: 'permission' | 'vanished' };

export interface ScanState {
  readonly keys: readonly FileKey[];
  /** Indexes into `keys` by "dev:ino". */
  readonly byKey: ReadonlyMap<string, number[]>;
  /** The volume serials of the keys: a module or handle on another volume cannot match. */
  readonly volumes: ReadonlySet<number>;
  /** The processes to inspect (this one left out). */
  readonly pids: readonly number[];
  readonly self: number;
  /** Opens `pid` once per scan (query, read memory, duplicate handles); closed by close(). */
  open(pid: number): OpenedProcess;
  /** Records that `pid` holds `key` as `kind` (when it is one of the keys). */
  add(pid: number, key: FileKey | null, kind: HoldKind): void;
  readonly holds: Map<number, Map<number, HoldKind>>;
  /** ScanOptions.placesUnder: the directory whose processes are found by the paths of their places. */
  readonly placesUnder: string | undefined;
  /** Whether `path` is placesUnder or below it (false without placesUnder). */
  isUnder(path: string): boolean;
  /** Records that `pid`'s executable or current directory is `path`, when that is placesUnder or below it. */
  place(pid: number, kind: 'exe' | 'cwd', path: string): void;
  readonly places: Map<number, NonNullable<ProcessHolds['places']>>;
  /** Source-specific facts by pid (Restart Manager's), merged into the facts. */
  readonly extra: Map<number, Partial<ProcessFacts>>;
  close(): void;
}

export const keyString = (k: FileKey) => `${k.dev}:${k.ino}`;

export function scanState(keys: readonly FileKey[], pids: readonly number[], placesUnder?: string): ScanState {
  const api = win32();
  const self = api.GetCurrentProcessId() as number;
  const byKey = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const s = keyString(k);
    const list = byKey.get(s);
    if (list === undefined) byKey.set(s, [i]);
    else list.push(i);
  });
  const opened = new Map<number, OpenedProcess>();
  const holds = new Map<number, Map<number, HoldKind>>();
  const places = new Map<number, NonNullable<ProcessHolds['places']>>();
  const under = placesUnder === undefined ? undefined : placeMatcher(placesUnder);
  return {
    keys, byKey, volumes: new Set(keys.map((k) => k.dev)), pids: pids.filter((p) => p !== self), self, holds, extra: new Map(), placesUnder, places,
    isUnder: (path) => under?.(path) !== undefined,
    place(pid, kind, path) {
      const at = under?.(path);
      if (at === undefined) return;
      const mine = places.get(pid);
      if (mine === undefined) places.set(pid, [{ kind, path: at }]);
      else if (!mine.some((p) => p.kind === kind)) mine.push({ kind, path: at });
    },
    open(pid) {
      let p = opened.get(pid);
      if (p === undefined) {
        const h = api.OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_DUP_HANDLE, false, pid) as bigint | null;
        p = isHandle(h) ? { handle: h } : { handle: null, reason: api.GetLastError() === ERROR_ACCESS_DENIED ? 'permission' : 'vanished' };
        opened.set(pid, p);
      }
      return p;
    },
    add(pid, key, kind) {
      if (key === null) return;
      const indexes = byKey.get(keyString(key));
      if (indexes === undefined) return;
      let mine = holds.get(pid);
      if (mine === undefined) holds.set(pid, (mine = new Map()));
      for (const i of indexes) {
        const had = mine.get(i);
        if (strongerHold(kind, had)) mine.set(i, kind);
      }
    },
    close() {
      for (const p of opened.values()) if (p.handle !== null) api.CloseHandle(p.handle);
      opened.clear();
    },
  };
}

/** The processes that could not be opened, as the scan reports them. */
export function unopened(state: ScanState): { uninspectable: Uninspectable[]; vanished: number } {
  const uninspectable: Uninspectable[] = [];
  let vanished = 0;
  for (const pid of state.pids) {
    const p = state.open(pid);
    if (p.handle !== null) continue;
    if (p.reason === 'permission') uninspectable.push({ pid, reason: 'permission' });
    else vanished++;
  }
  return { uninspectable, vanished };
}
