import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { journalPathsProblem, statePathsProblem, txidProblem } from './record-paths.js';

const TX = '20260101T000000Z-0badc0de';
const SP = '20251231T235959Z-00000001';

describe('record paths', () => {
  it('accepts the journals install and uninstall write', () => {
    const install = [
      { op: 'swap', path: 'bin/tool', incoming: `staging/${TX}/0`, aside: `backup/${TX}/files/bin/tool` },
      { op: 'mkdir', path: 'lib' },
      { op: 'rmdir', path: 'old' },
      { op: 'chmod', path: 'etc', mode: 0o750, oldMode: 0o755 },
    ];
    assert.equal(journalPathsProblem(TX, install, [`staging/${TX}`], [`staging/${TX}`, `backup/${TX}`, 'trust/0123456789ABCDEF.pub']), undefined);
    const uninstall = [{ op: 'swap', path: 'bin/tool', incoming: `backup/${SP}/files/bin/tool`, aside: `backup/${TX}/files/bin/tool` }];
    assert.equal(journalPathsProblem(TX, uninstall, [], [`backup/${TX}`]), undefined);
    assert.equal(statePathsProblem({ '.hidden': {}, 'a/..b/c.': {}, '...': {}, 'caf\u00e9/x': {} }, [{ txid: TX }]), undefined);
  });

  it('refuses every path that leaves its expected directory, naming the field', () => {
    const step = (s: object) => journalPathsProblem(TX, [{ op: 'swap', path: 'a', ...s }], [], []);
    const cases: [string | undefined, RegExp][] = [
      [journalPathsProblem('../x', [], [], []), /^txid "\.\.\/x" is not a transaction id$/],
      [journalPathsProblem(TX, [{ op: 'mkdir', path: '../x' }], [], []), /^steps\[0\]\.path "\.\.\/x": the path has an empty, '\.' or '\.\.' component$/],
      [journalPathsProblem(TX, [{ op: 'rmdir', path: '/etc' }], [], []), /^steps\[0\]\.path "\/etc": the path is absolute$/],
      [journalPathsProblem(TX, [{ op: 'mkdir', path: 'a\0b' }], [], []), /NUL/],
      [journalPathsProblem(TX, [{ op: 'mkdir', path: '.servicepack/x' }], [], []), /state directory/],
      [journalPathsProblem(TX, [{ op: 'mkdir', path: 'a', aside: 'x' }], [], []), /is a mkdir with swap paths/],
      [journalPathsProblem(TX, [{ op: 'link', path: 'a' }], [], []), /op "link"/],
      [journalPathsProblem(TX, [{ op: 'swap', path: 'a' }], [], []), /swap without paths/],
      [step({ aside: `backup/${TX}/files/b` }), /steps\[0\]\.aside/],
      [step({ aside: `backup/${SP}/files/a` }), /steps\[0\]\.aside/],
      [step({ aside: `backup/${TX}/files/../../../a` }), /steps\[0\]\.aside/],
      [step({ incoming: `staging/${TX}/../../x` }), /steps\[0\]\.incoming/],
      [step({ incoming: `staging/${SP}/0` }), /steps\[0\]\.incoming/],
      [step({ incoming: 'backup/../files/a' }), /steps\[0\]\.incoming/],
      [step({ incoming: '/tmp/a' }), /steps\[0\]\.incoming/],
      [journalPathsProblem(TX, [], ['../../victim'], []), /^afterCommit\[0\] "\.\.\/\.\.\/victim"/],
      [journalPathsProblem(TX, [], [], [`staging/${SP}`]), /^afterRollback\[0\]/],
      [journalPathsProblem(TX, [], [], ['/victim']), /^afterRollback\[0\]/],
      [journalPathsProblem(TX, [], [], ['trust/../../x.pub']), /^afterRollback\[0\]/],
      [journalPathsProblem(TX, [], [], [7]), /^afterRollback\[0\] number/],
      [statePathsProblem({ '../x': {} }, []), /^files key "\.\.\/x"/],
      [statePathsProblem({}, [], { '../x': { uid: 0, gid: 0 } }), /^owners key "\.\.\/x"/],
      [journalPathsProblem(TX, [{ op: 'chmod', path: '../x', mode: 0o700, oldMode: 0o755 }], [], []), /^steps\[0\]\.path "\.\.\/x"/],
      ...['a//b', 'a/', './a', 'a/.', 'a/./b', '..', '.'].map((p): [string | undefined, RegExp] => [statePathsProblem({ [p]: {} }, []), /empty, '\.' or '\.\.' component/]),
      [statePathsProblem({ '.SERVICEPACK/lock': {} }, []), /state directory/],
      [statePathsProblem({}, [{ txid: '../../x' }]), /^history\[0\]\.txid/],
      [statePathsProblem({}, [null]), /^history\[0\] is not an object/],
      [txidProblem('lastTransaction', `${TX}/..`), /^lastTransaction/],
    ];
    for (const [problem, expected] of cases) assert.match(problem ?? 'accepted', expected);
  });
});
