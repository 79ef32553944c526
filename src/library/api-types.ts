// The option types of the public API. Names follow the command line's flags (api-options.ts).
import type { PackHealth } from '../format/health.js';
import type { Platform } from '../platform/index.js';
import type { EventSink } from '../records/events.js';

/** A platform by name: what the Promise variants accept (a Platform object cannot cross to their thread). */
export type PlatformName = 'linux' | 'win32';

/** Options every call accepts. */
export interface CallOptions {
  /**
   * Stops the call. A transaction (install, uninstall) rolls back up to its point of no return and the
   * call rejects with INTERRUPTED (`details.signal: 'AbortSignal'`), the target unchanged; after that
   * point it completes and its result carries `lateStop`. A call that only reads (status, verify,
   * holders, inspect, install with dryRun) ends at once with INTERRUPTED; recover and cleanup are never
   * cut short. Already aborted: nothing starts.
   */
  signal?: AbortSignal;
  /** Progress events (phases, staged files, steps, recovery, warnings). */
  onEvent?: EventSink;
  /**
   * The platform. The Promise variants take a name ('linux', 'win32'); the Sync variants also take a
   * Platform object. Default: the running OS.
   */
  platform?: Platform | PlatformName;
  /**
   * Sync variants only: polled between the steps of a transaction up to its point of no return; a
   * signal name returned (e.g. 'SIGTERM') rolls it back and throws INTERRUPTED.
   */
  stopRequested?: () => string | null;
  /**
   * Promise variants: also stop for a SIGINT or SIGTERM recorded by `stopSignals()` (the synchronous
   * signal handling a command line installs), read on the transaction's own thread.
   */
  watchStopSignals?: boolean;
}

/** Options every target command accepts (`--target`). */
export interface TargetOptions extends CallOptions {
  /** The installation directory (`--target`). */
  target: string;
}

/** Options of install and uninstall. */
export interface TransactionOptions extends TargetOptions {
  /** `--restart-units`: after the commit, restart (once each) the systemd services still running old code. */
  restartUnits?: boolean;
  /**
   * `--in-use-wait <ms>`, Windows: how long a rename refused because another process has the file
   * open without delete sharing is retried before FILE_IN_USE (default 3,400 ms).
   */
  inUseWait?: number;
}

/**
 * Options of `install`. The pack must be signed by a key in `trustedKey` or pinned for the target,
 * unless `allowUnsigned` is set; its version must be newer than its base unless `allowDowngrade` is set.
 */
export interface InstallOptions extends TransactionOptions {
  /** `--trusted-key <pub>` (repeatable): public key files trusted for this install, besides the pinned keys. */
  trustedKey?: string | readonly string[];
  /** `--allow-unsigned`: install a pack no trusted key verifies (reported as a warning and in the result). */
  allowUnsigned?: boolean;
  /** `--allow-downgrade`: install a pack whose version is not newer than its base. */
  allowDowngrade?: boolean;
  /** `--dry-run`: verify the pack and plan the install without changing anything. */
  dryRun?: boolean;
  /**
   * `--keep <n>`: keep the uninstall backups of at most this many installed service packs, this one
   * included; older ones are given up and can no longer be uninstalled (BACKUP_PRUNED).
   */
  keep?: number;
  /**
   * The health trial. `--no-health` is `health: false` (install without a trial, warning HEALTH_SKIPPED).
   * The `--health-cmd/-url/-tcp` flags are `health.checks` (`{ cmd }`, `{ url }`, `{ tcp }`), added to the
   * pack's; `--health-delay/-period/-window/-deadline <s>` are `health.delayMs/periodMs/windowMs/deadlineMs`
   * (milliseconds), replacing the pack's (docs/health.md).
   */
  health?: Partial<PackHealth> | false;
  /** Library only: the time the pack's expiry is judged against (default: now). */
  now?: Date;
}

/** Options of `uninstall`. */
export interface UninstallOptions extends TransactionOptions {
  /** `--dry-run`: check that the uninstall can run and return what it would do, changing nothing. */
  dryRun?: boolean;
}

/** Options of `cleanup`. */
export interface CleanupOptions extends TargetOptions {
  /** `--dry-run`: remove nothing; report what would be removed. */
  dryRun?: boolean;
  /** `--prune <n>`: give up the uninstall backups of all but the newest `n` installed service packs. */
  prune?: number;
}

/** Options of `inspect`. */
export interface InspectOptions extends CallOptions {
  /** `--trusted-key <pub>` (repeatable): also check the pack's signature against these public key files. */
  trustedKey?: string | readonly string[];
}

/** Options of `trust`. */
export interface TrustCallOptions extends TargetOptions {
  /** `--add <pub>` (repeatable): public key files to pin. */
  add?: string | readonly string[];
  /** `--remove <keyid>` (repeatable): key ids to unpin. */
  remove?: string | readonly string[];
}

/** Options of `holders`. */
export interface HoldersOptions extends TargetOptions {
  /** The command's `[paths...]`: only these paths inside the target, and what is under them. */
  paths?: string | readonly string[];
}

/** Options of `keygen`. */
export interface KeygenOptions extends CallOptions {
  /** `--out <name>`: the path and base name of the two key files. */
  out: string;
}

/** What a call that changes the target adds to its result when a stop came after its point of no return. */
export interface LateStop {
  /** The stop ('AbortSignal', 'SIGINT', 'SIGTERM') that arrived too late: the operation was finished, not stopped. */
  lateStop?: string;
}
