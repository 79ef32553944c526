// The shapes the Platform uses to report which processes hold which files: raw holds found by
// device+inode (src/inuse/ turns them into Holders with paths), which hold is the strongest, process
// facts, and command outcomes.

/** How a process holds a file or directory. */
export type HoldKind = 'exe' | 'mapped' | 'fd' | 'cwd' | 'root';

const STRENGTH: Record<HoldKind, number> = { exe: 5, mapped: 4, fd: 3, root: 2, cwd: 1 };

/**
 * Whether `kind` replaces the hold `had` already recorded for one process and path: a process holding a
 * path in several ways is reported once, with the strongest hold (a running executable is also mapped,
 * and so on; docs/holders.md).
 */
export function strongerHold(kind: HoldKind, had: HoldKind | undefined): boolean {
  return had === undefined || STRENGTH[kind] > STRENGTH[had];
}

/** A file's identity as the kernel sees it (st_dev, st_ino): the same in every mount namespace. */
export interface FileKey {
  dev: number;
  ino: number;
}

/** The files one process holds: `index` points into the FileKey list that was scanned. */
export interface ProcessHolds {
  pid: number;
  holds: { index: number; kind: HoldKind }[];
  /**
   * With ScanOptions.placesUnder: its executable, working directory and root when they are that
   * directory or below it, as absolute paths (by path: see placesUnder).
   */
  places?: { kind: 'exe' | 'cwd' | 'root'; path: string }[];
  /** Set when the scan was asked for facts. */
  facts?: ProcessFacts;
}

/** A process whose holds could not be read, and why. */
export interface Uninspectable {
  pid: number;
  reason: 'permission';
}

export interface HoldScan {
  found: ProcessHolds[];
  uninspectable: Uninspectable[];
  /** Processes whose holds were read. */
  inspected: number;
  /** Processes that exited between being listed and being read (they hold nothing now). */
  vanished: number;
  /** How many of `inspected` a second thread read (0 when the scan ran on one thread). */
  secondThread: number;
}

export interface ScanOptions {
  /** Read the facts of each holding process too, in the same pass (ProcessHolds.facts). */
  facts?: boolean;
  /**
   * Whether a second thread scans part of the list while the calling thread scans the rest: 'off'
   * (the default), 'auto' (for a list of `parallelFrom` or more processes, when the CPUs are not
   * already contended), 'on' (always; tests and benchmarks). The transaction path leaves it off: a
   * second thread's syscalls would make its crash points differ from run to run.
   */
  secondThread?: 'off' | 'auto' | 'on';
  /**
   * With secondThread 'auto' or 'on' (read-only callers) or placesUnder (transactions), whether the
   * native scan (native/scan.c) may do the work when it is built (default true); false keeps it in
   * JavaScript (tests of that path).
   */
  native?: boolean;
  /**
   * For 'auto': from this many processes on (default 300 for the JavaScript scan's worker, below which
   * starting it costs more than it saves; 64 for the native scan, which also needs no spare CPU).
   */
  parallelFrom?: number;
  /**
   * With a second thread, processes at the end of the list that only it scans, however long it takes
   * to start (tests use it to make sure both threads scan; default 0: the threads share the list as
   * they go).
   */
  secondThreadShare?: number;
  /**
   * An absolute directory, real (no symlinks): also report each process whose executable, working
   * directory or root is it or below it, read by path (`readlink`) in ProcessHolds.places, so that a
   * transaction need not list its whole target to find them (docs/holders.md). Only platforms with
   * `scansPlacesByPath` honour it; the scan then runs on the calling thread.
   */
  placesUnder?: string;
}

/** What a user needs to recognise a process. */
export interface ProcessFacts {
  command: string;
  user: string;
  /** ISO 8601, to the clock tick (10 ms). */
  startedAt: string;
  /** The systemd service or scope the process runs in, when it runs in one. */
  unit?: string;
  /** The container it runs in (runtime and short id), when recognisable from its cgroup. */
  container?: string;
  /** Windows: what Restart Manager says of it, where Restart Manager answers (not under Wine). */
  restartManager?: RestartManagerFacts;
}

/** Restart Manager's view of a holding process (RM_PROCESS_INFO and the session's reboot reasons). */
export interface RestartManagerFacts {
  application: string;
  /** 'main-window', 'other-window', 'service', 'explorer', 'console', 'critical' or 'unknown'. */
  type: string;
  restartable: boolean;
  /** Why restarting would need a reboot instead, when it would: 'critical-process', 'permission-denied', ... */
  rebootReasons?: string[];
}

/** How a command run by the platform ended (hooks, systemctl). */
export interface CommandOutcome {
  argv: string[];
  /** Exit status, or null when killed by a signal or not started. */
  exitCode: number | null;
  signal: string | null;
  /** Set when the command could not be started (e.g. ENOENT) or timed out. */
  error?: string;
  /** The last 4 KiB of stdout and stderr together. */
  output: string;
}

/** Whether units can be restarted here, and why not. */
export type UnitManager = { available: true } | { available: false; reason: string };
