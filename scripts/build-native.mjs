#!/usr/bin/env node
// Compiles native/scan.c (the holder scan of read-only callers, docs/holders.md "Native scan") and
// native/stop-signals.c (SIGINT/SIGTERM of the command line) into dist/native/<name>.node with the system C compiler and the Node-API headers of node-api-headers (a
// devDependency from the Node.js project: the build needs no Node source tree, node-gyp or Python). A
// Node-API module needs no linking against Node and loads in every Node from 20 on (docs/node-lines.md).
// Without a C compiler on PATH the build says so in one line and leaves them out: the holder scan then
// runs in JavaScript and signals go through Node's listeners; the tests that need them skip (README).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
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
if (!onPath(cc)) {
  console.log(`build-native: no C compiler (${cc}) on PATH: native holder scan and signal handling not built, JavaScript is used (apt-get install -y gcc libc6-dev)`);
  process.exit(0);
}
const { include_dir: include } = createRequire(import.meta.url)('node-api-headers');
mkdirSync('dist/native', { recursive: true });
for (const name of ['scan', 'stop-signals']) {
  execFileSync(cc, ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-pthread', `-I${include}`, '-o', `dist/native/${name}.node`, `native/${name}.c`], { stdio: 'inherit' });
}
