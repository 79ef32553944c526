#!/usr/bin/env node
// Compiles native/scan.c (the holder scan of read-only callers, docs/holders.md "Native scan") and
// native/stop-signals.c (SIGINT/SIGTERM of the command line) and native/writeback.c (starting the write-back
// of staged files, docs/journal.md step 3) into dist/native/<name>.node with the system C compiler and the Node-API headers of node-api-headers (a
// devDependency from the Node.js project: the build needs no Node source tree, node-gyp or Python). A
// Node-API module needs no linking against Node and loads in every Node from 20 on (docs/node-lines.md).
// Without a C compiler on PATH the build says so in one line and leaves them out: the holder scan then
// runs in JavaScript and signals go through Node's listeners; the tests that need them skip (README).
// native/exediff.c (the exediff encoder, build side only) links libdivsufsort (Debian libdivsufsort-dev);
// without it (or without a compiler) the addon is left out and `build` falls back to zstd-patch deltas.
// native/x86-predict.c (the exediff decoder's core) compiles with clang and wasm-ld (Debian clang, lld)
// into dist/native/x86-predict.wasm, WebAssembly that the package ships and every Node line runs, so an
// install needs no compiler; without them the module is left out and the TypeScript decoder runs.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

const cc = process.env.CC ?? 'cc';
const onPath = (cmd) => cmd.includes('/') || (process.env.PATH ?? '').split(delimiter).some((dir) => {
  try {
    accessSync(join(dir, cmd), constants.X_OK);
    return true;
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'ENOTDIR') return false;
    throw e;
  }
});
// A stale encoder from an earlier build would make `build` use exediff where this build could not make it.
rmSync('dist/native/exediff.node', { force: true });
rmSync('dist/native/x86-predict.wasm', { force: true });
const clang = process.env.SERVICEPACK_CLANG ?? 'clang';
if (onPath(clang) && onPath('wasm-ld')) {
  mkdirSync('dist/native', { recursive: true });
  execFileSync(clang, ['--target=wasm32', '-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-nostdlib', '-mbulk-memory', '-msimd128', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--export=__heap_base', '-Wl,--strip-all', '-o', 'dist/native/x86-predict.wasm', 'native/x86-predict.c'], { stdio: 'inherit' });
} else console.log(`build-native: no ${clang} and wasm-ld on PATH: the exediff decoder's WebAssembly core is not built, its TypeScript decoder runs (apt-get install -y clang lld)`);
if (!onPath(cc)) {
  console.log(`build-native: no C compiler (${cc}) on PATH: native holder scan, signal handling and exediff encoder not built, JavaScript and zstd-patch are used (apt-get install -y gcc libc6-dev)`);
  process.exit(0);
}
const { include_dir: include } = createRequire(import.meta.url)('node-api-headers');
mkdirSync('dist/native', { recursive: true });
const compile = (name, extra = []) =>
  execFileSync(cc, ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-pthread', `-I${include}`, '-o', `dist/native/${name}.node`, `native/${name}.c`, ...extra], { stdio: 'inherit' });
for (const name of ['scan', 'stop-signals', 'writeback', 'hasher']) compile(name);
const multiarch = '/usr/include/x86_64-linux-gnu/divsufsort.h';
if (existsSync('/usr/include/divsufsort.h') || existsSync(multiarch)) compile('exediff', ['-ldivsufsort']);
else console.warn('build-native: libdivsufsort is not installed (apt-get install libdivsufsort-dev): the exediff encoder is not built; packs use zstd-patch deltas');
