// What a user gets from the package: `npm pack` of this checkout (the built dist/, as `npm test` left
// it), `npm i -g --prefix` of that tarball (dependencies from the npm cache or the registry), then the
// installed `servicepack` runs --version and a real build + install, and its holder scan answers the
// same with the native addon present, missing, or one this machine cannot load (another CPU's build).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Holder } from '../src/index.js';
import { brief, startProcess, stopAll } from './helpers/holders.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, hashTree, makeTree, tempDir } from './helpers/tree.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

function run(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000 });
  if (r.error !== undefined) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// zstd-napi builds from source with node-gyp where its prebuilt download fails (offline machines), which needs a compiler.
describe('the npm package', { skip: needs('cc') }, () => {
  let prefix = '';
  let bin = '';
  before(() => {
    const packDir = tempDir('pack');
    // dist/ is built (npm test builds it first): --ignore-scripts skips prepack's rebuild, which would
    // rewrite dist/ under the test files running beside this one.
    run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], root);
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'))!;
    prefix = tempDir('global');
    run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(packDir, tarball)], packDir);
    bin = join(prefix, 'bin/servicepack');
  });
  after(async () => {
    await stopAll();
    cleanupTempDirs();
  });

  it('npm i -g of the packed tarball puts servicepack on PATH; --version prints the package version', () => {
    assert.equal(run(bin, ['--version'], prefix).trim(), version);
  });

  it('the installed command builds a signed pack and installs it: the target becomes the new tree', () => {
    const dir = tempDir('use');
    const oldDir = makeTree(flatOld);
    const newDir = makeTree(flatNew);
    const target = makeTree(flatOld);
    run(bin, ['keygen', '--out', join(dir, 'vendor')], dir);
    run(bin, ['build', oldDir, newDir, '--out', join(dir, 'sp.svp'), '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--sign', join(dir, 'vendor.key')], dir);
    run(bin, ['install', join(dir, 'sp.svp'), '--target', target, '--trusted-key', join(dir, 'vendor.pub')], dir);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(newDir));
  });

  it("ships the exediff decoder's WebAssembly core, which the installed library loads", { skip: needs('clang', 'wasm-ld') }, async () => {
    const lib = join(prefix, 'lib/node_modules/servicepack');
    assert.ok(existsSync(join(lib, 'dist/native/x86-predict.wasm')));
    const { coreModule } = (await import(pathToFileURL(join(lib, 'dist/src/format/codecs/exediff-wasm.js')).href)) as typeof import('../src/format/codecs/exediff-wasm.js');
    assert.ok(coreModule() !== null);
  });

  it('holders names the same processes with the native scan, without it, and with one that does not load here', async () => {
    const target = makeTree(flatOld);
    const sitting = await startProcess('sh', ['-c', 'echo ready; exec sleep 600'], { cwd: target });
    const reading = await startProcess('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 600', 'sh', join(target, 'bin/same.txt')]);
    const pids = [sitting.pid, reading.pid];
    const holders = (): string[] => {
      const last = run(bin, ['holders', '--target', target, '--json'], prefix).trim().split('\n').at(-1)!;
      const result = (JSON.parse(last) as { result: { holders: Holder[] } }).result;
      return result.holders.filter((h) => pids.includes(h.pid)).map(brief).sort();
    };
    const addon = join(prefix, 'lib/node_modules/servicepack/dist/native/scan.node');
    const native = holders();
    assert.equal(native.length, 2, native.join('; '));
    rmSync(addon);
    assert.deepEqual(holders(), native, 'addon missing: the JavaScript scan');
    writeFileSync(addon, 'not an ELF object: what dlopen makes of an addon built for another CPU\n');
    assert.deepEqual(holders(), native, 'addon refused by dlopen: the JavaScript scan');
  });
});
