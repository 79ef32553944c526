// Where the modules that scripts/build-native.mjs builds into dist/native/ are found, from the library
// (dist/src/platform/) and from the CLI bundle (dist/bundle/) alike.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The path of `name` in dist/native/ (a Node-API addon or a WebAssembly module), or null where it was not built. */
export function nativeFile(name: string): string | null {
  for (const rel of [`../native/${name}`, `../../native/${name}`]) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return file;
  }
  return null;
}
