// Pack hooks: a failing pre hook refuses the install before any file changes (and the post hook starts
// the application again); a failing post hook is reported; uninstall runs the hooks too.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build, inspectSync as inspect, installSync as install, uninstallSync as uninstall, type ProgressEvent } from '../src/index.js';
import { copyOf, expectCode, expectRejection, packFrom, testKey, treeOf, trusted } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs, hashTree, tempDir } from './helpers/tree.js';

/** A hook that appends "<hook> <outcome> <kind> <from>-><to> <cwd>" to `log`, then exits with `status`. */
const logHook = (log: string, status: number): string[] =>
  ['sh', '-c', 'echo "$SERVICEPACK_HOOK ${SERVICEPACK_OUTCOME:-none} $SERVICEPACK_KIND $SERVICEPACK_FROM_VERSION->$SERVICEPACK_TO_VERSION $PWD" >>"$1"; echo "said $2"; exit "$2"', 'hook', log, String(status)];

async function hookedPack(pre: string[], post: string[]) {
  const { oldDir, newDir } = await packFrom(flatOld, flatNew);
  const pack = join(tempDir('hooked'), 'sp.svp');
  await build({ oldDir, newDir, out: pack, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, preHook: pre, postHook: post, sign: testKey.key });
  return { oldDir, newDir, pack };
}

describe('pack hooks', () => {
  after(cleanupTempDirs);

  it('refuses the install when the pre hook fails, changes nothing, and runs the post hook', async () => {
    const log = join(tempDir('log'), 'hooks.log');
    const { oldDir, pack } = await hookedPack(logHook(log, 7), logHook(log, 0));
    assert.deepEqual(inspect(pack).hooks, { pre: logHook(log, 7), post: logHook(log, 0) });
    const target = copyOf(oldDir);
    const err = expectCode('HOOK_FAILED', () => install(pack, { ...trusted, target }));
    assert.deepEqual(err.details, { phase: 'pre', argv: logHook(log, 7), exitCode: 7, signal: null, output: 'said 7\n' });
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(oldDir));
    assert.equal(existsSync(join(target, '.servicepack')), false, 'a failed first install leaves no .servicepack');
    assert.equal(readFileSync(log, 'utf8'), `pre none install 1.0->2.0 ${target}\npost rolled-back install 1.0->2.0 ${target}\n`);
  });

  it('reports a failing post hook after the commit, and runs both hooks again on uninstall', async () => {
    const log = join(tempDir('log'), 'hooks.log');
    const { oldDir, newDir, pack } = await hookedPack(logHook(log, 0), logHook(log, 3));
    const target = copyOf(oldDir);
    const events: ProgressEvent[] = [];
    const r = install(pack, { ...trusted, target, onEvent: (e) => events.push(e) });
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.deepEqual(r.hooks.map((h) => [h.phase, h.ok, h.exitCode, h.output]), [['pre', true, 0, 'said 0\n'], ['post', false, 3, 'said 3\n']]);
    assert.deepEqual(events.filter((e) => e.type === 'warning').map((e) => e.type === 'warning' && e.code), ['HOOK_FAILED']);
    const u = uninstall({ target });
    assert.deepEqual(u.hooks.map((h) => [h.phase, h.ok]), [['pre', true], ['post', false]]);
    assert.deepEqual(treeOf(target), treeOf(oldDir));
    assert.equal(readFileSync(log, 'utf8'), [
      `pre none install 1.0->2.0 ${target}`, `post committed install 1.0->2.0 ${target}`,
      `pre none uninstall 2.0->1.0 ${target}`, `post committed uninstall 2.0->1.0 ${target}`, '',
    ].join('\n'));
  });

  it('reports a hook program that does not exist as a failed pre hook', async () => {
    const { oldDir, pack } = await hookedPack(['/nonexistent/stop-app'], ['true']);
    const target = copyOf(oldDir);
    const err = expectCode('HOOK_FAILED', () => install(pack, { ...trusted, target }));
    assert.equal(err.details.exitCode, null);
    assert.match(err.message, /ENOENT/);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(oldDir));
  });

  it('refuses empty hook commands at build time', async () => {
    const { oldDir, newDir } = await packFrom(flatOld, flatNew);
    const out = join(tempDir('hooked'), 'sp.svp');
    await expectRejection('USAGE', () => build({ oldDir, newDir, out, preHook: [] }));
    await expectRejection('USAGE', () => build({ oldDir, newDir, out, postHook: ['', 'x'] }));
  });
});
