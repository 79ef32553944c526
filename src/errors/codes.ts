// The table of error codes: one line of meaning per code, and the shape of each code's details.
// Codes are a stable contract; docs/errors.md and `servicepack explain` describe each one.

/** A file whose content on disk is not what a pack or the installed state says it should be. */
export interface Mismatch {
  path: string;
  expected: string;
  actual: string;
}

/** One run of one health check (docs/health.md). */
export interface HealthCheckResult {
  /** What was checked: `cmd [...]`, `url http://...` or `tcp host:port`. */
  check: string;
  ok: boolean;
  /** Why it failed: `HTTP 500`, `exit status 3: <output>`, `connect ECONNREFUSED ...`, `timed out after 5000 ms`. */
  reason?: string;
  /** How long it ran, in milliseconds. */
  ms: number;
  /** When it started, in milliseconds since the trial began. */
  atMs: number;
}

/** Details carried by each code. */
export interface ErrorDetails {
  USAGE: { argument?: string };
  PACK_NOT_FOUND: { path: string };
  PACK_INVALID: { path: string; offset?: number; reason: string };
  PACK_UNSUPPORTED: { path: string; formatVersion: number; supported: number };
  PACK_CORRUPT: { path: string; entry: string; expected: string; actual: string };
  PACK_UNSAFE_PATH: { entry: string; reason: string };
  PACK_UNSIGNED: { path: string };
  SIGNATURE_INVALID: { path: string; reason: string };
  KEY_UNTRUSTED: { path: string; keyId: string; trusted: string[] };
  PACK_EXPIRED: { path: string; expires: string; now: string };
  KEY_INVALID: { path: string; reason: string };
  KEY_PASSPHRASE: { path: string; reason: string };
  BUILD_INPUT: { path: string; reason: string };
  TARGET_NOT_FOUND: { path: string };
  NOT_MANAGED: { target: string };
  PRODUCT_MISMATCH: { target: string; installed: string; pack: string };
  VERSION_MISMATCH: { target: string; installed: string; expected: string };
  DOWNGRADE: { target: string; installed: string; pack: string };
  BASE_MISMATCH: { target: string; mismatches: Mismatch[] };
  DELTA_BASE_MISMATCH: { target: string; path: string; expected: string; actual: string };
  TARGET_CHANGED: { target: string; path: string; expected: string; actual: string };
  TARGET_UNSAFE: { target: string; path: string; reason: string };
  STATE_UNSAFE: { target: string; path: string; uid: number; mode: string; reason: string };
  LOCKED: { target: string; pid: number; command?: string; namespace?: string };
  NO_SPACE: { target: string; needed: number; available: number; inodesNeeded?: number; inodesAvailable?: number };
  CROSS_DEVICE: { path: string };
  IO_FAILED: { path: string; operation: string; errno: string };
  FILE_IN_USE: { path: string; errno: string; attempts: number; waitedMs: number };
  SYMLINK_UNSUPPORTED: { target: string; paths: string[] };
  NOTHING_TO_UNINSTALL: { target: string };
  BACKUP_PRUNED: { target: string; txid: string; version: string };
  BACKUP_DAMAGED: { target: string; mismatches: Mismatch[] };
  /** `writes[]`: the installed path, the backup path the writes went to, the old sha256 and the one now. */
  BACKUP_WRITTEN: { target: string; txid: string; writes: { txid: string; path: string; backup: string; expected: string; actual: string }[] };
  JOURNAL_CORRUPT: { path: string; reason: string };
  /** `txid` and `kind` name the pending transaction, when there is one. */
  RECOVERY_NEEDED: { target: string; reason: string; txid?: string; kind?: 'install' | 'uninstall' };
  DEMO_FAILED: { step: string; reason: string };
  HOOK_FAILED: { phase: 'pre' | 'post'; argv: string[]; exitCode: number | null; signal: string | null; output: string };
  PATH_TOO_LONG: { target: string; path: string; bytes: number; limit: number };
  JOURNAL_UNSUPPORTED: { path: string; version: number; supported: number };
  INTERRUPTED: { signal: string };
  /**
   * `failed`: the last result of each check in the trial (the failing ones say why); `deadline`: true
   * when the deadline ended the trial; `afterRollBack`: the checks run once against the version put back.
   */
  HEALTH_FAILED: {
    target: string; txid: string; failedVersion: string; version: string; deadline: boolean;
    failed: HealthCheckResult[]; afterRollBack: HealthCheckResult[]; rollBackTxid: string;
  };
  INTERNAL_ERROR: { name: string; message: string; errno?: string; syscall?: string; path?: string };
  REPO_INVALID: { path: string; reason: string };
  REPO_UNREACHABLE: { url: string; reason: string; status?: number };
  METADATA_EXPIRED: { url: string; reason: string };
  METADATA_ROLLBACK: { url: string; reason: string };
  METADATA_INVALID: { url: string; reason: string };
  CHANNEL_NOT_FOUND: { url: string; channel: string };
  CHANNEL_HALTED: { channel: string; version: string };
  NOT_IN_ROLLOUT: { channel: string; version: string; percent: number; bucket: number };
  NO_CHAIN: { product: string; from: string; to: string; reason: string };
  DOWNLOAD_CORRUPT: { url: string; path: string; reason: string };
}

export type ErrorCode = keyof ErrorDetails;

/** One line of meaning per code; the long article lives in explain-articles.ts. */
export const errorSummaries: { readonly [C in ErrorCode]: string } = {
  USAGE: 'The command line is not valid.',
  PACK_NOT_FOUND: 'The service pack file does not exist or cannot be read.',
  PACK_INVALID: 'The file is not a well-formed service pack (bad magic, truncated, or a bound exceeded).',
  PACK_UNSUPPORTED: 'The service pack uses a format version this servicepack does not read.',
  PACK_CORRUPT: 'A payload entry of the service pack does not match the hash its manifest declares.',
  PACK_UNSAFE_PATH: 'The service pack names a path that could escape or confuse the target.',
  PACK_UNSIGNED: 'The service pack carries no signature, and unsigned packs are refused unless explicitly allowed.',
  SIGNATURE_INVALID: 'The signature of the service pack is malformed or does not match its manifest.',
  KEY_UNTRUSTED: 'The service pack is signed by a key that is not trusted for this install or target.',
  PACK_EXPIRED: 'The service pack\'s signed expiry date has passed.',
  KEY_INVALID: 'A key file is missing, unreadable, or not a minisign Ed25519 key of the expected kind.',
  KEY_PASSPHRASE: 'The secret key is encrypted and no passphrase, or a wrong one, was given.',
  BUILD_INPUT: 'A release tree given to build is missing, identical to the other, or holds a file type a pack cannot carry.',
  TARGET_NOT_FOUND: 'The target directory does not exist.',
  NOT_MANAGED: 'The target has no servicepack state: no service pack was ever installed there.',
  PRODUCT_MISMATCH: 'The service pack is for another product than the one installed in the target.',
  VERSION_MISMATCH: 'The service pack applies to another version than the one installed in the target.',
  DOWNGRADE: 'The service pack would install a version older than or equal to the installed one.',
  BASE_MISMATCH: 'Files in the target are not the base version the service pack applies to.',
  DELTA_BASE_MISMATCH: 'A file a delta is applied to changed in the target after the install checked it.',
  TARGET_CHANGED: 'A file the transaction replaces or removes was changed after the preflight, so the transaction was rolled back.',
  TARGET_UNSAFE: 'A directory on the way to a target path is a symlink or on another device, so servicepack refuses to write through it.',
  STATE_UNSAFE: 'Running as root, servicepack refuses a state directory that another user owns or that group or others can write.',
  LOCKED: 'Another servicepack process is working on this target.',
  NO_SPACE: 'The target file system has not enough free space for the staged files.',
  CROSS_DEVICE: 'A directory of the target is on another file system, so files cannot be swapped atomically.',
  IO_FAILED: 'A file system operation failed; the transaction was rolled back.',
  FILE_IN_USE: 'A file to be replaced is open in a process that does not let it be renamed; the transaction was rolled back.',
  SYMLINK_UNSUPPORTED: 'The service pack carries symbolic links, which this system cannot create for servicepack.',
  NOTHING_TO_UNINSTALL: 'No service pack is installed in the target.',
  BACKUP_PRUNED: 'The uninstall backup of the latest service pack was given up (install --keep, cleanup --prune), so it cannot be uninstalled.',
  BACKUP_WRITTEN: 'A set-aside file was written to after the install set it aside: a process kept writing to the old file, so uninstall cannot restore the old version exactly.',
  BACKUP_DAMAGED: 'The stored backup of a service pack is missing or altered, so it cannot be uninstalled.',
  JOURNAL_CORRUPT: 'The transaction journal of the target cannot be read.',
  RECOVERY_NEEDED: 'A transaction is pending: it was interrupted, or failed, and could not be finished or rolled back; the target may be mixed until recover settles it.',
  DEMO_FAILED: 'The demo scenario could not be set up on this machine.',
  HOOK_FAILED: 'The service pack\'s pre-install hook command failed, so nothing was changed.',
  PATH_TOO_LONG: 'A path of the pack, joined to the target (or to servicepack\'s backup inside it), is longer than the system allows.',
  JOURNAL_UNSUPPORTED: 'The journal or state of the target was written by a newer servicepack, in a version this one does not read.',
  INTERRUPTED: 'The command was stopped by a signal (SIGINT or SIGTERM); a transaction in progress was rolled back.',
  HEALTH_FAILED: 'The installed service pack failed its health checks during its trial and was rolled back: the target is the previous version.',
  INTERNAL_ERROR: 'servicepack hit an error it does not expect: a bug. Nothing more is known about the target than the message says.',
  REPO_INVALID: 'The directory given as a fleet repository, or its key directory, is missing, not a repository, or holds keys that do not match its root.',
  REPO_UNREACHABLE: 'The fleet repository could not be reached, or a file it must serve is missing; sync changed nothing.',
  METADATA_EXPIRED: 'The fleet repository\'s signed metadata has expired (stale or frozen); sync changed nothing.',
  METADATA_ROLLBACK: 'The fleet repository serves metadata older than what this target already trusted (a rollback); sync changed nothing.',
  METADATA_INVALID: 'The fleet repository\'s metadata is malformed, tampered with, or not signed by the keys the trusted root names; sync changed nothing.',
  CHANNEL_NOT_FOUND: 'The fleet repository\'s signed metadata lists no channel of that name.',
  CHANNEL_HALTED: 'The channel\'s rollout is halted; sync stopped before downloading or installing.',
  NOT_IN_ROLLOUT: 'This machine is outside the channel\'s staged rollout percentage for now; sync changed nothing.',
  NO_CHAIN: 'No chain of published service packs leads from the installed version to the channel\'s version (respecting required stops and pulled versions).',
  DOWNLOAD_CORRUPT: 'A downloaded service pack does not have the length or SHA-256 the repository\'s signed metadata lists; it was discarded.',
};
