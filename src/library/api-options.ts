// The library's option names are the command line's flags in camelCase (`--trusted-key` -> `trustedKey`,
// `--in-use-wait` -> `inUseWait`, `--no-delta` -> `delta: false`); this file checks the names a call
// was given, so a misspelt or unknown option is a USAGE error instead of being silently ignored.
import { ServicePackError } from '../errors/index.js';

/** Options every call accepts, besides its own: how it reports, how it is stopped, where it runs. */
export const CALL_OPTIONS = ['signal', 'onEvent', 'platform', 'stopRequested', 'watchStopSignals'] as const;

/** Accepted by every command that works on a target. */
export const TARGET_OPTIONS = ['target', ...CALL_OPTIONS] as const;

/**
 * Throws USAGE naming the first option of `options` that `known` does not list, or when `options` is not
 * an object. `call` names the function in the message (e.g. 'install').
 */
export function checkOptionNames(call: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ServicePackError('USAGE', `${call}: options must be an object`, {
      hint: `Pass an object, for example ${call}(${call === 'install' ? "'sp.svp', " : ''}{ target: '/opt/app' }).`,
      details: { argument: 'options' },
    });
  }
  for (const name of Object.keys(options)) {
    if (known.includes(name) || (options as Record<string, unknown>)[name] === undefined) continue;
    throw new ServicePackError('USAGE', `${call}: unknown option ${name}`, {
      hint: `${call} takes ${known.join(', ')}. Option names are the command line's flags in camelCase (--trusted-key: trustedKey, --no-delta: delta: false); see README, "As a library".`,
      details: { argument: name },
    });
  }
}

/**
 * The stop request of work on the calling thread (a Sync variant, the fleet's sync): `signal` once it is
 * aborted, else the caller's own `stopRequested`; undefined when neither is given.
 */
export function stopRequestOf(signal: AbortSignal | undefined, stopRequested: (() => string | null) | undefined): (() => string | null) | undefined {
  return signal === undefined ? stopRequested : () => (signal.aborted ? 'AbortSignal' : stopRequested?.() ?? null);
}

/** A repeatable flag's value: one string or several. */
export function listOf(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}
