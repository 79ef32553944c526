// The seed scenario end to end (KB Q320097): a naive copy is refused on the running host and crashes it
// through its mapped DLLs; servicepack names the hidden holder, installs SP4 under it (exit code 3: it
// still runs old code), uninstalls back to 5.5 under a restarted host, and cleans up once it exits.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDemo } from '../src/index.js';
import { needs } from './helpers/tools.js';

const bin = 'Exchsrvr/BIN';
const dlls = ['Mdbperf.dll', 'Msefperf.dll', 'Mtaperf.dll', 'Perfdsa.dll'].map((n) => `${bin}/${n}`);

describe('demo', { skip: (process.platform !== 'linux' && 'needs ETXTBSY and /proc (Linux)') || needs('cc') }, () => {
  it('reproduces the failure, names the holder, installs live (exit 3), uninstalls, cleans up once free', async () => {
    const lines: string[] = [];
    const r = await runDemo({ onLine: (l) => lines.push(l) });

    assert.deepEqual(r.naive.outcomes, [
      { path: `${bin}/perfhost`, outcome: 'ETXTBSY' },
      ...dlls.map((path) => ({ path, outcome: 'copied' })),
    ]);
    assert.ok(r.naive.holderSignal === 'SIGBUS' || r.naive.holderSignal === 'SIGSEGV', `holder signal ${r.naive.holderSignal}`);

    const pid = r.holdersBefore[0]!.pid;
    const command = [join(r.workDir, 'server', bin, 'perfhost'), ...dlls.map((d) => join(r.workDir, 'server', d))].join(' ');
    assert.deepEqual(r.holdersBefore, dlls.map((path) => ({ pid, kind: 'mapped', path, command })));

    assert.deepEqual(r.install.updated, dlls);
    assert.equal(r.install.holderAlive, true);
    assert.equal(r.install.exitCode, 3);
    assert.equal(r.install.version, 'SP4');
    assert.deepEqual(r.install.setAside, [...dlls, `${bin}/legacy.dll`, `${bin}/perfhost`, 'Exchsrvr/README.txt']);
    assert.deepEqual(r.install.staleProcesses, [...dlls.map((path) => ({ pid, kind: 'mapped', path })), { pid, kind: 'exe', path: `${bin}/perfhost` }]);

    const aside = r.uninstall.held[0]!.slice(0, r.uninstall.held[0]!.indexOf('/files/') + '/files/'.length);
    assert.match(aside, /^\.servicepack\/backup\/[^/]+\/files\/$/);
    assert.deepEqual(r.uninstall, { version: '5.5', restored: true, holderAlive: true, exitCode: 3, held: [...dlls, `${bin}/perfhost`].sort().map((p) => `${aside}${p}`) });
    assert.deepEqual(r.cleanup, { removed: r.uninstall.held, held: [] });
    assert.ok(lines.some((l) => l.includes(`pid ${pid} (mapped)`)), lines.join('\n'));
    // Without `keep`, the scenario directory is gone.
    assert.equal(existsSync(r.workDir), false);
  });
});
