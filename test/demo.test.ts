// End to end: the seed scenario names the hidden holder of the four DLLs, installs with it running
// (exit code 3: it still runs old code), and cleans up the set-aside files once the last holder exits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDemo } from '../src/index.js';

const dlls = ['Mdbperf.dll', 'Msefperf.dll', 'Mtaperf.dll', 'Perfdsa.dll'].map((n) => `Exchsrvr/BIN/${n}`);
const hasCc = spawnSync('sh', ['-c', 'command -v cc || command -v gcc']).status === 0;

describe('demo (KB Q320097)', { skip: (process.platform !== 'linux' || !hasCc) && 'needs Linux and a C compiler' }, () => {
  it('names the holder, reports old code after the install, and cleans up once it exits', async () => {
    const lines: string[] = [];
    const r = await runDemo({ onLine: (l) => lines.push(l) });
    const pid = r.holdersBefore[0]!.pid;
    const host = join(r.workDir, 'server/Exchsrvr/BIN/perfhost');
    assert.deepEqual(r.holdersBefore, dlls.map((path) => ({ pid, kind: 'mapped', path, command: [host, ...dlls.map((d) => join(r.workDir, 'server', d))].join(' ') })));

    assert.equal(r.naive.outcomes[0]?.outcome, 'ETXTBSY');
    assert.deepEqual(r.install.updated, dlls);
    assert.equal(r.install.holderAlive, true);
    assert.equal(r.install.exitCode, 3);
    assert.deepEqual(r.install.staleProcesses, [...dlls.map((path) => ({ pid, kind: 'mapped', path })), { pid, kind: 'exe', path: 'Exchsrvr/BIN/perfhost' }]);

    assert.equal(r.uninstall.restored, true);
    assert.equal(r.uninstall.version, '5.5');
    assert.equal(r.uninstall.exitCode, 3);
    const aside = r.uninstall.held[0]!.slice(0, r.uninstall.held[0]!.indexOf('/files/') + '/files/'.length);
    assert.deepEqual(r.uninstall.held, [...dlls, 'Exchsrvr/BIN/perfhost'].sort().map((p) => `${aside}${p}`));
    assert.deepEqual(r.cleanup, { removed: r.uninstall.held, held: [] });
    assert.ok(lines.some((l) => l.includes(`pid ${pid} (mapped)`)), lines.join('\n'));
  });
});
