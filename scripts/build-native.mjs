#!/usr/bin/env node
// Compiles native/scan.c (the holder scan of read-only callers, docs/holders.md "Native scan") into
// dist/native/scan.node with the system C compiler and the Node-API headers that come with Node
// (<prefix>/include/node). A Node-API module needs no linking against Node and works with every Node
// version from 20 on. Without a compiler the build fails here, loudly: the JavaScript scan would still
// work, but the demo's native libraries need the compiler too (README).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const include = resolve(dirname(process.execPath), '..', 'include', 'node');
if (!existsSync(join(include, 'node_api.h'))) {
  console.error(`build-native: no Node-API headers at ${include} (they come with Node's own files)`);
  process.exit(1);
}
mkdirSync('dist/native', { recursive: true });
execFileSync(process.env.CC ?? 'cc', ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-pthread', `-I${include}`, '-o', 'dist/native/scan.node', 'native/scan.c'], { stdio: 'inherit' });
