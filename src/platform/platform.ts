// The platform seam: everything that differs between operating systems, asked of one object that is
// chosen once at the edge (selectPlatform) and passed down. Shared code never tests process.platform.
import type { CommandOutcome, FileKey, HoldScan, ScanOptions, UnitManager } from './holds.js';

export interface Platform {
  /** Short name for messages and --json output, e.g. 'linux'. */
  readonly name: string;
  /**
   * How an old file is preserved before the new one replaces it: 'link' keeps the old path present the
   * whole time (hard link aside, then rename over); 'rename' moves it aside first (a brief gap).
   */
  readonly setAside: 'link' | 'rename';
  /**
   * Which names the file system can hold: 'posix' (any name without '/' and NUL) or 'ntfs' (no device
   * names, trailing dots or spaces, `<>:"|?*`, and names equal ignoring case are one). Install refuses a
   * pack whose new tree cannot be represented (PACK_UNSAFE_PATH). Absent means 'posix'.
   */
  readonly pathRules?: 'posix' | 'ntfs';
  /** Whether directories can be fsynced (they cannot on Windows). */
  readonly canFsyncDirectories: boolean;
  /** The longest path, in bytes, a system call accepts (Linux: PATH_MAX 4096 less the NUL). */
  readonly maxPathBytes: number;
  /** Whether files carry an exec bit (NTFS has none: every file reads as not executable). */
  readonly hasExecBit: boolean;
  /** Whether servicepack can create symbolic links here (Windows needs a privilege it does not ask for). */
  readonly canCreateSymlinks: boolean;
  /**
   * The waits, in milliseconds, before each retry of a rename refused because another process has the
   * file open without delete sharing (EBUSY on Windows); empty where such a refusal does not go away
   * by waiting (on Linux EBUSY means a mount point).
   */
  readonly inUseRetryDelaysMs: readonly number[];
  /** An opaque start-time token of a live process, or null when no such process exists. */
  processStartToken(pid: number): string | null;
  /**
   * A token naming this process's pid namespace in this boot, or null where there are none. Lock
   * records carry it: a pid is only meaningful inside its namespace.
   */
  pidNamespace(): string | null;
  /**
   * Whether the process a lock record names still runs: 'gone' also for a record from an earlier boot;
   * 'unknown' when it ran in another pid namespace of this boot, which this process cannot look into.
   */
  lockOwnerState(owner: { pid: number; start: string | null; ns?: string }): 'running' | 'gone' | 'unknown';
  /** This process's command line, for lock files and messages. */
  describeProcess(pid: number): string | undefined;
  /**
   * Every process (or only `pids`) that holds one of `files`, matched by device and inode, never by
   * path. Reads only: nothing found is executed, loaded or interpreted. This process is left out.
   * With `facts`, each holder comes with its command, user, start time, unit and container.
   */
  scanHolds(files: readonly FileKey[], pids?: readonly number[], options?: ScanOptions): HoldScan;
  /**
   * True when scanHolds honours ScanOptions.placesUnder (Linux: /proc/PID/{exe,cwd,root} are links to
   * paths; Windows: the executable's module name and the current directory in the process parameters).
   * Elsewhere a transaction lists its target to find processes running from it.
   */
  readonly scansPlacesByPath?: boolean;
  /** Milliseconds since the epoch, on the clock the facts' startedAt uses. */
  now(): number;
  /** Runs `argv` without a shell and waits for it (up to `timeoutMs`). */
  runCommand(argv: readonly string[], opts: { cwd: string; env: Record<string, string>; timeoutMs: number }): CommandOutcome;
  /** Whether service units can be restarted on this system. */
  unitManager(): UnitManager;
  /** Restarts one service unit and waits for the restart to finish. */
  restartUnit(unit: string): CommandOutcome;
  /**
   * Why this process must not trust a directory of its state (`.servicepack/` or one below it) with
   * owner `uid` and permission `mode` (lstat's), or null. A process with all rights (root) refuses one
   * that another user owns or can write: that user could steer what it removes and renames.
   */
  stateDirProblem(st: { uid: number; mode: number }): string | null;
  /**
   * Asks the OS to delete `path` (absolute) at the next boot, for a set-aside file a running process
   * still holds; false when refused (not elevated). Absent where held files can be deleted at once.
   */
  deleteAtReboot?(path: string): boolean;
  /** The absolute paths the OS will delete at the next boot (see deleteAtReboot). */
  pendingRebootDeletes?(): string[];
  /** Synchronous handling of SIGINT and SIGTERM (see StopSignals), or null where it is not available. */
  stopSignals?(): StopSignals | null;
  /**
   * Starts writing an open file's data to disk without waiting (Linux: sync_file_range), so that files
   * fsynced later together are mostly written by then. A hint that never makes anything durable by
   * itself; absent where the OS has none.
   */
  startWriteback?(fd: number): void;
  /**
   * A new BackgroundHasher: SHA-256 on a thread of its own, so that the calling thread reads, decodes
   * and writes while it hashes. Null (or absent) where the platform has none: callers hash themselves.
   */
  backgroundHasher?(): BackgroundHasher | null;
}

/** Content smaller than this is hashed by the caller at once: a BackgroundHasher job would cost more than it saves. */
export const BACKGROUND_HASH_MIN_BYTES = 64 * 1024;

/**
 * SHA-256 on a second thread. Jobs run in the order they were added; `result` waits for its job only
 * when the thread has not finished it. Synchronous like the transaction: no event loop is involved.
 */
export interface BackgroundHasher {
  /** Starts hashing `bytes`, which must not change until the job's result is taken. */
  addBuffer(bytes: Buffer): number;
  /** Starts hashing the file open (readable) at `fd`, from offset 0 to its end; it must stay open and unchanged until the result is taken. */
  addFd(fd: number): number;
  /** The job's sha256 (hex) and the bytes it hashed, once done; a failed read throws its system error (code, errno, syscall 'read'). */
  result(job: number): { sha256: string; bytes: number };
  /** True when the thread had not begun the job: it is the caller's to do (and has no result); false once begun. */
  take(job: number): boolean;
  /** Stops the thread after its current job (later jobs are dropped). Call before closing a descriptor a job may still read. */
  close(): void;
}

/**
 * SIGINT and SIGTERM for a process whose work is synchronous. Once `watch` was called, a signal ends the
 * process at once, after writing the prepared text to its descriptor, with exit code 128 + signal;
 * between `defer` and `resume` (a critical section) it is only recorded, for `pending` to report.
 */
export interface StopSignals {
  watch(reports: Record<'SIGINT' | 'SIGTERM', { fd: number; text: string }>): void;
  defer(): void;
  /** Leaves the critical section; returns the signal recorded in it, if any. */
  resume(): 'SIGINT' | 'SIGTERM' | null;
  pending(): 'SIGINT' | 'SIGTERM' | null;
}
