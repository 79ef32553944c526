// `build` with the command line's option names (`--sign` -> `sign`, `--pre-hook` -> `preHook`,
// `--no-delta` -> `delta: false`), checked, then handed to the build, which encodes on its own workers.
import { buildPack, type BuildEvent, type BuildProgress, type BuildResult, type BuildWarning } from '../build/index.js';
import type { PackHealth } from '../format/health.js';
import { checkOptionNames } from './api-options.js';

/** Options of `build`: the command's flags in camelCase, plus the two trees (its arguments). */
export interface BuildCallOptions {
  /** `<old-dir>`: the release tree the pack applies to. */
  oldDir: string;
  /** `<new-dir>`: the release tree the pack installs. */
  newDir: string;
  /** `--out <pack>`. */
  out: string;
  /** `--product <id>` (default: the base name of newDir). */
  product?: string;
  /** `--from-version <v>` (default 'old'). */
  fromVersion?: string;
  /** `--to-version <v>` (default 'new'). */
  toVersion?: string;
  /** `--level <n>`: zstd level (default 19). */
  level?: number;
  /** `--pre-hook <command>`: argv the installer runs before the commit. */
  preHook?: string[];
  /** `--post-hook <command>`: argv the installer runs after the commit. */
  postHook?: string[];
  /** `--sign <key>`: secret key file to sign the manifest with. */
  sign?: string;
  /** `$SERVICEPACK_KEY_PASSPHRASE`: passphrase of an encrypted secret key. */
  passphrase?: string;
  /** `--expires <date>`: `YYYY-MM-DD` (end of that day, UTC) or `YYYY-MM-DDTHH:MM:SSZ`. */
  expires?: string;
  /** `--no-delta` is `delta: false`: store every changed file in full. */
  delta?: boolean;
  /** `--threads <n>`: encoding worker threads (default one per core; 0: none). */
  threads?: number;
  /**
   * The `--health-cmd/-url/-tcp` flags are `health.checks` (`{ cmd }`, `{ url }`, `{ tcp }`), the
   * `--health-delay/-period/-window/-deadline <s>` flags `health.delayMs/...` (milliseconds): signed into
   * the pack, run by every install of it (docs/health.md).
   */
  health?: PackHealth;
  /** `--keep-special-bits`: record setuid, setgid and sticky bits. */
  keepSpecialBits?: boolean;
  /** Once per entry, in path order, before its content is compressed. */
  onEvent?: (e: BuildEvent) => void;
  /** Called as contents are encoded (on the calling thread, between worker results; the CLI's progress bar). */
  onProgress?: (p: BuildProgress) => void;
  /**
   * Library only (the command line always sets it): refuse an `expires` already past (USAGE) and trees
   * that change nothing without hooks (BUILD_INPUT).
   */
  strict?: boolean;
  /** Each name of the new tree Windows cannot hold (the CLI prints these as warnings). */
  onWarning?: (w: BuildWarning) => void;
  /** Stops the build (INTERRUPTED) between two encoded files; `out` is not written. */
  signal?: AbortSignal;
}

const BUILD_OPTIONS = ['oldDir', 'newDir', 'out', 'product', 'fromVersion', 'toVersion', 'level', 'preHook', 'postHook', 'sign', 'passphrase', 'expires', 'delta', 'threads', 'health', 'keepSpecialBits', 'onEvent', 'onProgress', 'strict', 'onWarning', 'signal'];

export async function buildCall(o: BuildCallOptions): Promise<BuildResult> {
  checkOptionNames('build', o, BUILD_OPTIONS);
  const { sign, preHook, postHook, ...rest } = o;
  const hooks = { ...(preHook === undefined ? {} : { pre: preHook }), ...(postHook === undefined ? {} : { post: postHook }) };
  return buildPack({ ...rest, ...(sign === undefined ? {} : { signWith: sign }), ...(preHook === undefined && postHook === undefined ? {} : { hooks }) });
}
