// Writes one release of the demo installation (Exchange 5.5 or its Service Pack 4) under a root:
// real compiled perf DLLs and perfhost in Exchsrvr/BIN, plus files that SP4 keeps, changes, adds and removes.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServicePackError } from '../errors/index.js';
import { compileFixture } from './compile.js';

export type ExchangeVersion = '5.5' | 'SP4';

const readme: Record<ExchangeVersion, string> = {
  '5.5': 'Microsoft Exchange Server 5.5 (build 1960)\n',
  SP4: 'Microsoft Exchange Server 5.5 Service Pack 4 (build 2653)\n',
};

/** Creates `root/Exchsrvr`; the same version always gives the same bytes, modes and links. */
export function writeExchangeRelease(root: string, version: ExchangeVersion): void {
  const install = join(root, 'Exchsrvr');
  if (existsSync(install)) {
    // Writing over an existing installation would be exactly the naive in-place copy the demo warns about.
    throw new ServicePackError('DEMO_FAILED', `${install} already exists.`, {
      hint: 'Write each demo release into a new, empty directory.',
      details: { step: 'write-release', reason: `${install} already exists` },
    });
  }
  const bin = join(install, 'BIN');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(install, 'MTADATA'));

  const buildDir = mkdtempSync(join(tmpdir(), 'servicepack-cc-'));
  try {
    const compiled = compileFixture(buildDir, version);
    for (const [name, path] of Object.entries(compiled.libs)) writeCopy(path, join(bin, name), 0o644);
    writeCopy(compiled.host, join(bin, 'perfhost'), 0o755);
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }

  writeText(join(install, 'README.txt'), readme[version]);
  writeText(join(bin, 'store.cfg'), '[store]\ncircular_logging=1\nmax_cached_views=64\n');
  if (version === '5.5') writeText(join(bin, 'legacy.dll'), 'legacy MAPI shim, removed by SP4\n');
  if (version === 'SP4') writeText(join(bin, 'mapi32.dll'), 'MAPI 1.0 provider, added by SP4\n');
  symlinkSync('perfhost', join(bin, 'perfmon'));
}

function writeCopy(from: string, to: string, mode: number): void {
  copyFileSync(from, to);
  chmodSync(to, mode);
}

function writeText(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o644);
}
