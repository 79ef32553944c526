#!/usr/bin/env node
// Compiles native/scan.c (the holder scan of read-only callers, docs/holders.md "Native scan") and
// native/stop-signals.c (SIGINT/SIGTERM of the command line) into dist/native/<name>.node with the system C compiler and the Node-API headers of node-api-headers (a
// devDependency from the Node.js project: the build needs no Node source tree, node-gyp or Python). A
// Node-API module needs no linking against Node and loads in every Node from 20 on. Without a compiler
// the build fails here, loudly: the demo's native libraries need it too (README).
// native/exediff.c (the exediff encoder, build side only) links libdivsufsort (Debian libdivsufsort-dev);
// without it the addon is skipped with a warning and `build` falls back to zstd-patch deltas.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const { include_dir: include } = createRequire(import.meta.url)('node-api-headers');
mkdirSync('dist/native', { recursive: true });
const cc = (name, extra = []) =>
  execFileSync(process.env.CC ?? 'cc', ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-pthread', `-I${include}`, '-o', `dist/native/${name}.node`, `native/${name}.c`, ...extra], { stdio: 'inherit' });
for (const name of ['scan', 'stop-signals']) cc(name);
const multiarch = '/usr/include/x86_64-linux-gnu/divsufsort.h';
if (existsSync('/usr/include/divsufsort.h') || existsSync(multiarch)) cc('exediff', ['-ldivsufsort']);
else {
  rmSync('dist/native/exediff.node', { force: true });
  console.warn('build-native: libdivsufsort is not installed (apt-get install libdivsufsort-dev): the exediff encoder is not built; packs use zstd-patch deltas');
}
