#!/usr/bin/env node
// Compiles native/scan.c (the holder scan of read-only callers, docs/holders.md "Native scan") into
// dist/native/scan.node with the system C compiler and the Node-API headers of node-api-headers (a
// devDependency from the Node.js project: the build needs no Node source tree, node-gyp or Python). A
// Node-API module needs no linking against Node and loads in every Node from 20 on. Without a compiler
// the build fails here, loudly: the demo's native libraries need it too (README).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const { include_dir: include } = createRequire(import.meta.url)('node-api-headers');
mkdirSync('dist/native', { recursive: true });
execFileSync(process.env.CC ?? 'cc', ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-pthread', `-I${include}`, '-o', 'dist/native/scan.node', 'native/scan.c'], { stdio: 'inherit' });
