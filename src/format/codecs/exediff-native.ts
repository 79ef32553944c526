// The exediff encoder addon (native/exediff.c, built into dist/native/exediff.node when libdivsufsort is
// installed). Build side only: a reader never loads it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface ExediffNative {
  /** [controls, diff, extra, region count] for old -> new; `layout` is [old count, new count, then 5 numbers per segment]; `costs` [minMatch, literal, miss, control, and optionally 0 to search without the short-substring filter]. */
  exediff(old: Uint8Array, neu: Uint8Array, layout: Float64Array, costs: Float64Array): [Buffer, Buffer, Buffer, number];
}

let loaded: ExediffNative | null | undefined;

/** The addon, or null where it is not built. The bundle (dist/bundle/) and the library (dist/src/format/codecs/) find it in dist/native/. */
export function exediffNative(): ExediffNative | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  for (const rel of ['../native/exediff.node', '../../../native/exediff.node']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) {
      loaded = createRequire(import.meta.url)(file) as ExediffNative;
      break;
    }
  }
  return loaded;
}
