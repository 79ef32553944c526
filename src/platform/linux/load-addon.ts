// Loads a native addon of dist/native/ (Node-API: one build serves every Node line). The package ships
// them built for linux-x64 with glibc; where dlopen refuses one (another CPU or C library) callers get
// null and use their JavaScript path instead of failing (docs/node-lines.md).
import { createRequire } from 'node:module';
import { nativeFile } from '../native-file.js';

/** The addon at `file`, or null when this process cannot load it (dlopen refused it). */
export function loadAddon<T>(file: string): T | null {
  try {
    return createRequire(import.meta.url)(file) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_DLOPEN_FAILED') return null;
    throw e;
  }
}

/** The addon `name` of dist/native/, or null where it is not built or this process cannot load it. */
export function loadNativeAddon<T>(name: string): T | null {
  const file = nativeFile(name);
  return file === null ? null : loadAddon<T>(file);
}
