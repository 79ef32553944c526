// The fresh-machine path of `npm test`: a test that needs a missing program skips, and the run ends with
// one line naming it and the apt-get line that brings it; with SERVICEPACK_TEST_REQUIRE_ALL=1 (.ci/run)
// the same run fails. Real runs of scripts/run-tests.mjs with a PATH that has no minisign.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { TOOLS } from './helpers/tools.js';
import { cleanupTempDirs, tempDir } from './helpers/tree.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** scripts/run-tests.mjs on one test file, with an empty PATH: no program but node itself (by path). */
function runWithoutTools(file: string, env: Record<string, string> = {}): { status: number | null; last: string; out: string } {
  const { NODE_TEST_CONTEXT: _child, SERVICEPACK_TEST_REQUIRE_ALL: _all, SERVICEPACK_TEST_SKIP_LOG: _log, ...rest } = process.env;
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', file], { cwd: root, encoding: 'utf8', env: { ...rest, PATH: tempDir('empty-path'), ...env } });
  const out = r.stdout + r.stderr;
  return { status: r.status, last: r.stdout.trim().split('\n').at(-1)!, out };
}

describe('tests that need a missing program', () => {
  after(cleanupTempDirs);

  it('skip, and the run passes, ending with one line naming the program and its apt-get install', () => {
    const r = runWithoutTools('dist/test/minisign-interop.test.js');
    assert.equal(r.status, 0, r.out);
    assert.equal(r.last, 'servicepack: tests skipped for missing minisign (1 file); to run them: apt-get install -y minisign');
    assert.match(r.out, /minisign interop.*# (SKIP )?needs minisign \(apt-get install -y minisign\)/);
  });

  it('fail the run under SERVICEPACK_TEST_REQUIRE_ALL=1, saying why', () => {
    const r = runWithoutTools('dist/test/minisign-interop.test.js', { SERVICEPACK_TEST_REQUIRE_ALL: '1' });
    assert.equal(r.status, 1, r.out);
    assert.equal(r.last, 'servicepack: FAILED: SERVICEPACK_TEST_REQUIRE_ALL=1 and tests need missing minisign (1 file); to bring them: apt-get install -y minisign');
    assert.match(r.out, /SERVICEPACK_TEST_REQUIRE_ALL=1 but this test needs minisign \(apt-get install -y minisign\)/);
  });

  it('every program a test may need is one CI installs', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8') + readFileSync(join(root, 'scripts/setup-windows.sh'), 'utf8');
    const missing = Object.entries(TOOLS).flatMap(([tool, { apt }]) => apt.split(' ').filter((p) => !new RegExp(`missing\\+=\\([^)]*\\b${p.replace(/[.+]/g, '\\$&')}\\b`).test(ci)).map((p) => `${tool}: ${p}`));
    assert.deepEqual(missing, []);
  });
});
