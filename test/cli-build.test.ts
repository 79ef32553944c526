// `servicepack build` as users run it: the labels it requires, what it refuses (identical trees, an
// expiry already past, an existing --out), and its progress: a bar on a terminal (through a real
// pseudo-terminal), progress events in --json, nothing extra when its output is not a terminal.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanupTempDirs, makeTree, sha256OfFile, tempDir } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
const labels = ['--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3'];
const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('cli build', () => {
  after(cleanupTempDirs);
  // Incompressible contents, so encoding takes a moment and the byte counts are exact.
  const oldDir = makeTree({ 'a.bin': randomBytes(3 << 20), 'b.txt': 'b1\n', 'same.txt': 'same\n' });
  const newDir = makeTree({ 'a.bin': randomBytes(3 << 20), 'b.txt': 'b2\n', 'same.txt': 'same\n' });

  it('requires --product, --from-version and --to-version, and marks them in --help', () => {
    for (const missing of ['--product', '--from-version', '--to-version']) {
      const i = labels.indexOf(missing);
      const args = [...labels.slice(0, i), ...labels.slice(i + 2)];
      const r = cli('build', oldDir, newDir, '--out', join(tempDir('p'), 'x.svp'), ...args);
      assert.equal(r.status, 2, missing);
      assert.match(r.stderr, new RegExp(`^error: required option '${missing} <(id|v)>' not specified\n`));
    }
    const help = cli('build', '--help').stdout;
    for (const o of ['--out <pack>', '--product <id>', '--from-version <v>', '--to-version <v>']) assert.match(help, new RegExp(`${o}\\s+.*\\(required\\)`));
  });

  it('refuses identical trees (unless the pack has hooks), an expiry already past, and an existing --out without --force', () => {
    const dir = tempDir('refused');
    const same = cli('build', oldDir, oldDir, '--out', join(dir, 'same.svp'), ...labels);
    assert.equal(same.status, 1);
    assert.match(same.stderr, /^servicepack build: error BUILD_INPUT: Cannot build from .*: it is identical to .*, so the pack would change nothing\.\n/);
    assert.equal(existsSync(join(dir, 'same.svp')), false);
    assert.equal(cli('build', oldDir, oldDir, '--out', join(dir, 'hooks.svp'), ...labels, '--post-hook', 'true').status, 0);

    const expired = cli('build', oldDir, newDir, '--out', join(dir, 'old.svp'), ...labels, '--expires', '2020-01-31', '--json');
    assert.equal(expired.status, 2);
    assert.deepEqual([lastJson(expired.stdout).error.code, lastJson(expired.stdout).error.message], ['USAGE', '--expires 2020-01-31 is already past: every install would refuse the pack as expired']);
    assert.equal(existsSync(join(dir, 'old.svp')), false);

    const out = join(dir, 'existing.svp');
    writeFileSync(out, 'keep me\n');
    const before = sha256OfFile(out);
    const r = cli('build', oldDir, newDir, '--out', out, ...labels);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /error USAGE: .*existing\.svp exists\nhint: Choose another --out, or pass --force to overwrite it\./);
    assert.equal(sha256OfFile(out), before);
    assert.equal(cli('build', oldDir, newDir, '--out', out, ...labels, '--force').status, 0);
    assert.notEqual(sha256OfFile(out), before);
  });

  it('--json prints progress events with done/total and bytes; plain output gets no progress at all', () => {
    const dir = tempDir('progress');
    const j = cli('build', oldDir, newDir, '--out', join(dir, 'j.svp'), ...labels, '--json');
    assert.equal(j.status, 0, j.stderr);
    const events = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>).filter((e) => e.type === 'build-progress');
    const total = (3 << 20) + 3;
    assert.deepEqual(events.map((e) => [e.done, e.total, e.totalBytes]), [[0, 2, total], [1, 2, total], [2, 2, total]]);
    assert.deepEqual([events[0]!.bytes, events.at(-1)!.bytes], [0, total]);
    const plain = cli('build', oldDir, newDir, '--out', join(dir, 'p.svp'), ...labels);
    assert.equal(plain.status, 0);
    assert.equal(plain.stderr, '');
    assert.match(plain.stdout, /^built /);
  });

  it('draws a progress bar with bytes, rate and ETA on a terminal', { skip: !hasScript && 'needs script(1) (util-linux)' }, () => {
    const out = join(tempDir('tty'), 'tty.svp');
    const command = [process.execPath, CLI_PATH, 'build', oldDir, newDir, '--out', out, ...labels, '--threads', '1'].map(quote).join(' ');
    const r = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '120', LINES: '40' } });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /encode [#-]{24} \d+% \| [\d.]+ (B|KiB|MiB) of 3\.0 MiB \| ([\d.]+ (B|KiB|MiB)\/s|-) \| \d+s elapsed \| ETA /);
    assert.match(r.stdout, /built .*tty\.svp/);
  });
});
