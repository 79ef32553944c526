// The exediff encoder addon (native/exediff.c, built into dist/native/exediff.node when libdivsufsort is
// installed). Build side only: a reader never loads it.
import { createRequire } from 'node:module';
import { nativeFile } from '../../platform/native-file.js';

export interface ExediffNative {
  /** [controls, diff, extra, region count] for old -> new; `layout` is [old count, new count, then 5 numbers per segment]; `costs` [minMatch, literal, miss, control, and optionally 0 to search without the short-substring filter]. */
  exediff(old: Uint8Array, neu: Uint8Array, layout: Float64Array, costs: Float64Array): [Buffer, Buffer, Buffer, number];
}

let loaded: ExediffNative | null | undefined;

/** The addon, or null where it is not built. The bundle (dist/bundle/) and the library (dist/src/format/codecs/) find it in dist/native/. */
export function exediffNative(): ExediffNative | null {
  if (loaded !== undefined) return loaded;
  const file = nativeFile('exediff.node');
  loaded = file === null ? null : (createRequire(import.meta.url)(file) as ExediffNative);
  return loaded;
}
