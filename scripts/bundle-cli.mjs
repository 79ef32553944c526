#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js) into one ESM file, dist/bundle/servicepack.js, which is
// what `bin` runs (plus the chunks it imports lazily): Node then loads one module instead of ~130, which is most of a command's start-up
// (docs/benchmarks.md, "Install speed"). The encode worker is bundled beside it, where the pool's
// `new URL('./encode-worker.js', import.meta.url)` finds it; likewise the holder scan's second thread
// (`./scan-worker.js`) and the thread every library operation runs on (`./operation-worker.js`). zstd-napi and koffi stay external: they are native addons
// loaded from node_modules. The library (`main`) stays the unbundled dist/src/ modules.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';

// Chunks are named by their content's hash: those of an earlier build would stay beside the new ones.
if (existsSync('dist/bundle')) for (const name of readdirSync('dist/bundle', { withFileTypes: true }).filter((d) => d.name.startsWith('chunk-'))) rmSync(`dist/bundle/${name.name}`);

await build({
  entryPoints: {
    servicepack: 'dist/src/cli/main.js',
    'encode-worker': 'dist/src/delta/encode-worker.js',
    'scan-worker': 'dist/src/platform/linux/scan-worker.js',
    'operation-worker': 'dist/src/library/operation-worker.js',
  },
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Code that only some commands need (the fleet's tuf-js and undici, over a megabyte, loaded by
  // `import()`) goes into chunks of its own: Node compiles a module whole when it loads it, and the 2 MB
  // of one file took ~90 ms of every command's start (docs/benchmarks.md, "Per-install overhead").
  splitting: true,
  chunkNames: 'chunk-[hash]',
  external: ['zstd-napi', 'koffi'],
  // commander is CommonJS and calls require() for Node built-ins: ESM output needs a real require.
  banner: { js: "import { createRequire as __servicepackRequire } from 'node:module'; const require = __servicepackRequire(import.meta.url);" },
  legalComments: 'inline',
  logLevel: 'warning',
});
