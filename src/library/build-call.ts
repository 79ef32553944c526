// `build` with the command line's option names (`--sign` -> `sign`, `--pre-hook` -> `preHook`,
// `--no-delta` -> `delta: false`), checked, then handed to the build, which encodes on its own workers.
import { buildPack, type BuildOptions, type BuildResult } from '../build/index.js';
import { checkOptionNames } from './api-options.js';

/**
 * Options of `build`: the build's own options (the two trees, `out`, `product`, `level`, `delta`, `health`,
 * ...: each the command's flag in camelCase, `--no-delta` being `delta: false`), with the three the engine
 * names differently renamed to their flags.
 */
export type BuildCallOptions = Omit<BuildOptions, 'signWith' | 'hooks'> & {
  /** `--sign <key>`: secret key file to sign the manifest with. */
  sign?: string;
  /** `--pre-hook <command>`: argv the installer runs before the commit. */
  preHook?: string[];
  /** `--post-hook <command>`: argv the installer runs after the commit. */
  postHook?: string[];
};

const BUILD_OPTIONS = ['oldDir', 'newDir', 'out', 'product', 'fromVersion', 'toVersion', 'level', 'preHook', 'postHook', 'sign', 'passphrase', 'expires', 'delta', 'threads', 'health', 'keepSpecialBits', 'onEvent', 'onProgress', 'strict', 'onWarning', 'signal'] as const satisfies readonly (keyof BuildCallOptions)[];
// Every option of the type is in the list (a new build option that is not listed fails to compile).
const everyOptionListed: Exclude<keyof BuildCallOptions, (typeof BUILD_OPTIONS)[number]> extends never ? true : never = true;
void everyOptionListed;

export async function buildCall(o: BuildCallOptions): Promise<BuildResult> {
  checkOptionNames('build', o, BUILD_OPTIONS);
  const { sign, preHook, postHook, ...rest } = o;
  const hooks = { ...(preHook === undefined ? {} : { pre: preHook }), ...(postHook === undefined ? {} : { post: postHook }) };
  return buildPack({ ...rest, ...(sign === undefined ? {} : { signWith: sign }), ...(preHook === undefined && postHook === undefined ? {} : { hooks }) });
}
