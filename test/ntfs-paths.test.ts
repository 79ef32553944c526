// A platform whose file system is NTFS ('ntfs' path rules) refuses, before anything changes, a pack
// whose new tree has names Windows cannot hold; `build` warns about such names. Run on Linux through
// the library's platform option: the rule is the platform's answer, not the OS's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build, installSync as install, type BuildWarning, type Platform } from '../src/index.js';
import { selectPlatform } from '../src/platform/index.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { copyOf, expectCode, packFrom, trusted } from './helpers/packs.js';
import { cleanupTempDirs, describeTree, makeTree, tempDir } from './helpers/tree.js';

const ntfs: Platform = { ...selectPlatform(), pathRules: 'ntfs' };
const oldSpec = { bin: { 'tool.dll': 'v1\n' }, 'readme.txt': 'hello\n' };
const newSpec = { bin: { 'tool.dll': 'v2\n', 'aux.dll': 'added\n', 'notes.': 'x\n' }, 'readme.txt': 'hello\n' };

describe('names Windows cannot hold', () => {
  after(cleanupTempDirs);

  it('install on an ntfs platform refuses the pack with PACK_UNSAFE_PATH naming the entry, and changes nothing', async () => {
    const { oldDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    const before = describeTree(target);
    const err = expectCode('PACK_UNSAFE_PATH', () => install(pack, { ...trusted, target, platform: ntfs }));
    assert.deepEqual(err.details, { entry: 'bin/aux.dll', reason: 'the name "aux.dll" is the reserved Windows device name AUX' });
    assert.match(err.hint, /cannot hold/);
    assert.deepEqual(describeTree(target), before);
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });

  it('the same pack installs on a posix platform', async () => {
    const { oldDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    assert.deepEqual(describeTree(target, { exclude: ['.servicepack'] }), describeTree(makeTree(newSpec)));
  });

  it('a name only the removed files have does not stop an ntfs install', async () => {
    const { oldDir, pack } = await packFrom({ ...oldSpec, 'con.txt': 'old\n' }, { ...oldSpec, 'readme.txt': 'v2\n' });
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target, platform: ntfs });
    assert.deepEqual(describeTree(target, { exclude: ['.servicepack'] }), describeTree(makeTree({ ...oldSpec, 'readme.txt': 'v2\n' })));
  });

  it('build warns once per unrepresentable name of the new tree (library and CLI --json) and still builds', async () => {
    const oldDir = makeTree(oldSpec);
    const newDir = makeTree(newSpec);
    const warnings: BuildWarning[] = [];
    const out = join(tempDir('pack'), 'sp.svp');
    await build({ oldDir, newDir, out, level: 3, onWarning: (w) => warnings.push(w) });
    const expected = [
      { type: 'warning', code: 'NTFS_UNSAFE_NAME', message: '"bin/aux.dll" cannot be installed on Windows: the name "aux.dll" is the reserved Windows device name AUX', path: 'bin/aux.dll', reason: 'the name "aux.dll" is the reserved Windows device name AUX' },
      { type: 'warning', code: 'NTFS_UNSAFE_NAME', message: '"bin/notes." cannot be installed on Windows: the name "notes." ends with a dot, which Windows drops', path: 'bin/notes.', reason: 'the name "notes." ends with a dot, which Windows drops' },
    ];
    assert.deepEqual(warnings, expected);
    assert.ok(existsSync(out));

    const r = spawnSync(process.execPath, [CLI_PATH, 'build', oldDir, newDir, '--out', join(tempDir('pack'), 'cli.svp'), '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(lines.filter((l) => l.type === 'warning'), expected);
    const text = spawnSync(process.execPath, [CLI_PATH, 'build', oldDir, newDir, '--out', join(tempDir('pack'), 'text.svp'), '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3'], { encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stderr.split('\n').filter((l) => l.startsWith('warning ')).join('\n'), expected.map((w) => `warning NTFS_UNSAFE_NAME: ${w.message}`).join('\n'));
  });
});
