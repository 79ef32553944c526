// The seed scenario end to end (KB Q320097): a naive copy is refused on the running host and crashes it
// through its mapped DLLs; servicepack installs SP4 under the same live host and uninstalls back to 5.5.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runDemo } from '../src/index.js';

const bin = 'Exchsrvr/BIN';
const dlls = ['Mdbperf.dll', 'Msefperf.dll', 'Mtaperf.dll', 'Perfdsa.dll'].map((n) => `${bin}/${n}`);

describe('demo', { skip: process.platform !== 'linux' && 'needs ETXTBSY and /proc (Linux)' }, () => {
  it('reproduces the failure with a naive copy and installs and uninstalls live with servicepack', async () => {
    const lines: string[] = [];
    const r = await runDemo({ onLine: (l) => lines.push(l) });

    assert.deepEqual(r.naive.outcomes, [
      { path: `${bin}/perfhost`, outcome: 'ETXTBSY' },
      ...dlls.map((path) => ({ path, outcome: 'copied' })),
    ]);
    assert.ok(r.naive.holderSignal === 'SIGBUS' || r.naive.holderSignal === 'SIGSEGV', `holder signal ${r.naive.holderSignal}`);

    assert.deepEqual(r.install.updated, dlls);
    assert.equal(r.install.holderAlive, true);
    assert.equal(r.install.exitCode, 3);
    assert.equal(r.install.version, 'SP4');
    assert.deepEqual(r.install.setAside, [
      'Exchsrvr/BIN/Mdbperf.dll', 'Exchsrvr/BIN/Msefperf.dll', 'Exchsrvr/BIN/Mtaperf.dll', 'Exchsrvr/BIN/Perfdsa.dll',
      'Exchsrvr/BIN/legacy.dll', 'Exchsrvr/BIN/perfhost', 'Exchsrvr/README.txt',
    ]);

    assert.deepEqual(r.uninstall, { version: '5.5', restored: true, holderAlive: true });
    assert.ok(lines.some((l) => l.includes('Uninstalled SP4')), lines.join('\n'));
    // Without `keep`, the scenario directory is gone.
    assert.equal(existsSync(r.workDir), false);
  });
});
