// Every command over inputs that used to end in an uncaught exception (a stack trace, exit 1, no code,
// no --json result): a `.servicepack` that is a file (and one in a release tree), files an unprivileged
// user cannot read (EACCES), and paths longer than PATH_MAX once joined to the target (ENAMETOOLONG).
// Each run is a real CLI process; the assertions are its exit code, the exact error code of its --json
// result line, and that stderr holds no stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, cpSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI_PATH } from './helpers/cli-path.js';
import { copyOf, testKey } from './helpers/packs.js';
import { cleanupTempDirs, makeTree, tempDir } from './helpers/tree.js';

/** What every build on the command line must name. */
const labels = ['--product', 'acme', '--from-version', '1.0', '--to-version', '2.0'];
const NOBODY = 65534;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { cwd?: string; unprivileged?: boolean } = {}): Run {
  const argv = [process.execPath, CLI_PATH, ...args];
  const [cmd, ...rest] = opts.unprivileged === true ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv] : argv;
  const r = spawnSync(cmd!, rest, { encoding: 'utf8', ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Expected outcome: an exit code and the error code of the result line (null: ok). */
type Expect = [exit: number, code: string | null];

function check(name: string, r: Run, [exit, code]: Expect): void {
  const where = `${name}: exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.doesNotMatch(r.stderr, /\n\s+at |Node\.js v\d|^\w*Error: /m, `${where}\n(a stack trace on stderr)`);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  let result: Record<string, any>;
  try {
    result = JSON.parse(last) as Record<string, any>;
  } catch {
    assert.fail(`${where}\n(no JSON result line)`);
  }
  assert.equal(result.type, 'result', where);
  assert.deepEqual([r.status, result.exitCode, result.ok, result.error?.code ?? null], [exit, exit, code === null, code], where);
}

/**
 * Every entry of `dir` with its type, mode and content hash, read by find(1) and sha256sum(1) from
 * inside it: relative paths stay below PATH_MAX where absolute ones would not.
 */
function treeByShell(dir: string): string {
  const r = spawnSync('sh', ['-c', 'find . -printf "%y %m %p\\n" | sort; find . -type f -exec sha256sum {} + | sort'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Runs `args` (with --json) and checks it; the target tree must not change. */
function walk(cases: [string, string[], Expect][], opts: { cwd?: string; unprivileged?: boolean; unchanged?: string } = {}): void {
  const before = opts.unchanged === undefined ? undefined : treeByShell(opts.unchanged);
  for (const [name, args, expected] of cases) {
    check(name, cli([...args, '--json'], opts), expected);
    if (opts.unchanged !== undefined) assert.equal(treeByShell(opts.unchanged), before, `${name} changed the target`);
  }
}

/** A release pair changing bin/a, signed, and its pack. */
function release(root: string): { oldDir: string; newDir: string; pack: string } {
  const oldDir = makeTree({ bin: { a: 'a v1\n', secret: 'secret v1\n' } }, join(root, 'old'));
  const newDir = makeTree({ bin: { a: 'a v2\n', secret: 'secret v2\n' } }, join(root, 'new'));
  const pack = join(root, 'sp.svp');
  const b = cli(['build', oldDir, newDir, '--out', pack, '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--sign', testKey.key, '--level', '3', '--json']);
  assert.equal(b.status, 0, b.stderr);
  return { oldDir, newDir, pack };
}

describe('every command answers with a coded error', () => {
  after(cleanupTempDirs);

  it('an error nothing names a code for is INTERNAL_ERROR (exit 70), never a stack trace', () => {
    // Standard output on a full device: the write fails with ENOSPC, which no command expects.
    for (const json of [false, true]) {
      const full = openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [CLI_PATH, 'explain', 'LOCKED', ...(json ? ['--json'] : [])], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
        assert.equal(r.status, 70, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at |Node\.js v\d|throw err/);
        // With --json the result line itself cannot be written; the exit code still says it.
        if (!json) assert.match(r.stderr, /^servicepack: error INTERNAL_ERROR: internal error \(a bug in servicepack\): ENOSPC: no space left on device, write\nhint: Please report this/);
      } finally {
        closeSync(full);
      }
    }
  });

  it('when .servicepack is a file in the target, or a directory in a release tree', () => {
    const root = tempDir('sp-file');
    const { oldDir, newDir, pack } = release(root);
    const target = copyOf(oldDir);
    writeFileSync(join(target, '.servicepack'), 'not a directory\n');
    const t = ['--target', target];
    const unsafe: Expect = [1, 'TARGET_UNSAFE'];
    walk([
      ['install', ['install', pack, '--trusted-key', testKey.pub, ...t], unsafe],
      ['install --dry-run', ['install', pack, '--trusted-key', testKey.pub, '--dry-run', ...t], unsafe],
      ['uninstall', ['uninstall', ...t], unsafe],
      ['recover', ['recover', ...t], unsafe],
      ['cleanup', ['cleanup', ...t], unsafe],
      ['status', ['status', ...t], unsafe],
      ['verify', ['verify', ...t], unsafe],
      ['holders', ['holders', ...t], [0, null]],
      ['trust', ['trust', ...t], unsafe],
      ['trust --add', ['trust', '--add', testKey.pub, ...t], unsafe],
    ], { unchanged: target });

    mkdirSync(join(newDir, '.servicepack'));
    writeFileSync(join(newDir, '.servicepack', 'state.json'), '{}\n');
    const out = join(root, 'refused.svp');
    walk([['build', ['build', oldDir, newDir, '--out', out, ...labels], [1, 'BUILD_INPUT']]]);
    const r = JSON.parse(cli(['build', oldDir, newDir, '--out', out, ...labels, '--json']).stdout.trim()) as Record<string, any>;
    assert.equal(r.error.details.path, join(newDir, '.servicepack'));
    walk([
      ['inspect', ['inspect', out], [1, 'PACK_NOT_FOUND']],
      ['keygen', ['keygen', '--out', join(target, '.servicepack', 'k')], [1, 'IO_FAILED']],
      ['explain', ['explain', 'NO_SUCH_CODE'], [2, 'USAGE']],
    ]);
  });

  it('when an unprivileged user cannot read files of the target (EACCES)', () => {
    const root = tempDir('eacces');
    chmodSync(root, 0o755);
    const { oldDir, pack } = release(root);
    chmodSync(pack, 0o644);
    const pub = join(root, 'test.pub');
    copyFileSync(testKey.pub, pub);
    chmodSync(pub, 0o644);

    // Installed by root, then one file and one directory made unreadable for others.
    const managed = join(root, 'managed');
    cpSync(oldDir, managed, { recursive: true });
    const i = cli(['install', pack, '--trusted-key', pub, '--target', managed, '--json']);
    assert.equal(i.status, 0, i.stderr);
    chmodSync(join(managed, 'bin', 'secret'), 0o600);
    mkdirSync(join(managed, 'private'), 0o700);
    const failed: Expect = [1, 'IO_FAILED'];
    walk([
      ['verify', ['verify', '--target', managed], failed],
      ['status', ['status', '--target', managed], [0, null]],
      ['holders', ['holders', '--target', managed], failed],
      ['trust', ['trust', '--target', managed], [0, null]],
      ['uninstall', ['uninstall', '--target', managed], failed],
      ['recover', ['recover', '--target', managed], failed],
      ['cleanup', ['cleanup', '--target', managed], failed],
      ['trust --add', ['trust', '--add', pub, '--target', managed], failed],
    ], { unprivileged: true, unchanged: managed });

    // Never managed, owned by the unprivileged user, but with one file of root's it cannot read.
    const target = join(root, 'target');
    cpSync(oldDir, target, { recursive: true });
    for (const p of ['', 'bin', 'bin/a']) chownSync(join(target, p), NOBODY, NOBODY);
    chmodSync(join(target, 'bin', 'secret'), 0o600);
    walk([
      ['install', ['install', pack, '--trusted-key', pub, '--target', target], failed],
      ['install --dry-run', ['install', pack, '--trusted-key', pub, '--dry-run', '--target', target], failed],
    ], { unprivileged: true, unchanged: target });

    const hidden = join(root, 'hidden');
    mkdirSync(hidden, 0o700);
    copyFileSync(pack, join(hidden, 'sp.svp'));
    walk([
      ['build', ['build', oldDir, target, '--out', join(root, 'x.svp'), ...labels], [1, 'BUILD_INPUT']],
      ['inspect', ['inspect', join(hidden, 'sp.svp')], [1, 'PACK_NOT_FOUND']],
      ['keygen', ['keygen', '--out', join(hidden, 'k')], [1, 'IO_FAILED']],
      ['explain', ['explain', 'IO_FAILED'], [0, null]],
    ], { unprivileged: true });
  });

  it('when paths exceed PATH_MAX once joined to the target (ENAMETOOLONG)', () => {
    // A work directory whose absolute path is long, and a pack whose entry fits only below a short
    // (relative) target path: 16 components make a 4,040-byte entry path.
    const work = join(tempDir('long'), 'w'.repeat(200));
    mkdirSync(work);
    try {
      longPaths(work);
    } finally {
      // Node's recursive removal walks absolute paths, which are too long here; rm(1) walks relative ones.
      assert.equal(spawnSync('rm', ['-rf', 'w'.repeat(200)], { cwd: join(work, '..') }).status, 0);
    }
  });
});

function longPaths(work: string): void {
  {
    const deep = Array.from({ length: 15 }, (_, n) => `${String(n).padStart(2, '0')}${'d'.repeat(250)}`).join('/');
    const entry = `${deep}/${'f'.repeat(4040 - deep.length - 1)}`;
    assert.equal(entry.length, 4040);
    const make = (dir: string, content: string) => {
      mkdirSync(join(work, dir, deep), { recursive: true });
      // A relative path from `work`: the absolute one is too long for the system calls.
      const r = spawnSync('sh', ['-c', `printf '%s' "$1" > "$2"`, 'sh', content, `${dir}/${entry}`], { cwd: work });
      assert.equal(r.status, 0, String(r.stderr));
    };
    for (const dir of ['o', 'n', 't']) mkdirSync(join(work, dir));
    make('o', 'v1\n');
    make('n', 'v2\n');
    make('t', 'v1\n');
    mkdirSync(join(work, 'u'));
    make('u', 'v1\n');
    const b = cli(['build', 'o', 'n', '--out', 'sp.svp', '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--sign', testKey.key, '--level', '3', '--json'], { cwd: work });
    assert.equal(b.status, 0, b.stderr);
    const pack = join(work, 'sp.svp');

    // Through the absolute (long) target path: refused at the preflight, before any change.
    const abs = join(work, 'u');
    const trustedKey = ['--trusted-key', testKey.pub];
    walk([
      ['install', ['install', pack, ...trustedKey, '--target', abs], [1, 'PATH_TOO_LONG']],
      ['install --dry-run', ['install', pack, ...trustedKey, '--dry-run', '--target', abs], [1, 'PATH_TOO_LONG']],
      ['holders', ['holders', '--target', abs], [1, 'IO_FAILED']],
    ], { unchanged: join(work, 'u') });
    const r = JSON.parse(cli(['install', pack, ...trustedKey, '--target', abs, '--json']).stdout.trim().split('\n').at(-1)!) as Record<string, any>;
    assert.deepEqual(r.error.details, { target: abs, path: entry, bytes: Buffer.byteLength(join(abs, '.servicepack/backup/20261129T064233Z-01234567/files', entry)), limit: 4095 });

    // Installed through the short relative path, then used through the long absolute one.
    const i = cli(['install', 'sp.svp', ...trustedKey, '--target', 't', '--json'], { cwd: work });
    assert.equal(i.status, 0, i.stderr);
    const t = ['--target', join(work, 't')];
    walk([
      ['verify', ['verify', ...t], [1, 'IO_FAILED']],
      // status, and every command that cleans up (cleanup, recover, uninstall, trust --add), look at the
      // set-aside files for writes made after the commit (backup-writes.ts): IO_FAILED naming ENAMETOOLONG.
      ['status', ['status', ...t], [1, 'IO_FAILED']],
      ['holders', ['holders', ...t], [1, 'IO_FAILED']],
      ['trust', ['trust', ...t], [0, null]],
      ['cleanup', ['cleanup', ...t], [1, 'IO_FAILED']],
      ['recover', ['recover', ...t], [1, 'IO_FAILED']],
      ['uninstall', ['uninstall', ...t], [1, 'IO_FAILED']],
      ['trust --add', ['trust', '--add', testKey.pub, ...t], [1, 'IO_FAILED']],
    ], { unchanged: join(work, 't') });
    walk([
      ['build', ['build', join(work, 'o'), join(work, 'n'), '--out', join(work, 'y.svp'), ...labels], [1, 'BUILD_INPUT']],
      ['inspect', ['inspect', join(work, 't', deep, 'x.svp')], [1, 'PACK_NOT_FOUND']],
      ['keygen', ['keygen', '--out', join(work, 't', entry)], [1, 'IO_FAILED']],
      ['explain', ['explain', 'PATH_TOO_LONG'], [0, null]],
    ]);
  }
}
