// Compiles the demo fixture (four perf-counter libraries and perfhost) for one release into a
// directory with the system C compiler; the same version gives the same bytes in any directory.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { hostSource, librarySource } from './native-sources.js';

/** The DLLs the hidden Performance Monitor host kept loaded in Q320097. */
export const perfLibraryNames = ['Mdbperf.dll', 'Msefperf.dll', 'Mtaperf.dll', 'Perfdsa.dll'] as const;

export interface CompiledFixture {
  /** DLL name -> absolute path of the compiled shared object. */
  libs: Record<string, string>;
  /** Absolute path of the perfhost executable. */
  host: string;
}

// Exchange 5.5 RTM was build 1960, SP4 build 2653. Only the base release is padded, so a later
// (smaller) release copied over it in place ends before the base release's perf_collect.
const builds: Record<string, number> = { '5.5': 1960, SP4: 2653 };
const basePadBytes = 64 * 1024;

// No debug info, and every compile runs in outDir on relative names, so no build path reaches the
// output: the bytes depend only on the source and the version (checked with gcc 12 / GNU ld).
const commonFlags = ['-O2', '-g0', '-fPIC'];

/** Writes the sources into `outDir` and compiles them there; throws DEMO_FAILED without a compiler. */
export function compileFixture(outDir: string, version: string): CompiledFixture {
  const cc = findCompiler();
  writeFileSync(join(outDir, 'perf.c'), librarySource);
  writeFileSync(join(outDir, 'perfhost.c'), hostSource);
  const versionDefine = `-DPERF_VERSION="${version}"`;
  const defines = [
    versionDefine,
    `-DPERF_BUILD=${builds[version] ?? 0}`,
    `-DPERF_PAD_BYTES=${version === '5.5' ? basePadBytes : 0}`,
  ];
  const libs: Record<string, string> = {};
  for (const name of perfLibraryNames) {
    run(cc, [...commonFlags, '-shared', ...defines, `-DPERF_NAME="${name}"`, '-o', name, 'perf.c'], outDir);
    libs[name] = join(outDir, name);
  }
  run(cc, [...commonFlags, versionDefine, '-o', 'perfhost', 'perfhost.c', '-ldl'], outDir);
  return { libs, host: join(outDir, 'perfhost') };
}

function findCompiler(): string {
  for (const candidate of ['cc', 'gcc']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch (err) {
      if (!hasErrno(err, 'ENOENT')) throw err;
    }
  }
  throw new ServicePackError('DEMO_FAILED', 'No C compiler found to build the demo fixture.', {
    hint: 'Install a C compiler (for example `apt-get install gcc`) so that `cc` or `gcc` is on PATH.',
    details: { step: 'compile', reason: 'neither cc nor gcc is on PATH' },
  });
}

function run(cc: string, args: string[], cwd: string): void {
  try {
    execFileSync(cc, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new ServicePackError('DEMO_FAILED', `Compiling the demo fixture failed: ${cc} ${args.join(' ')}`, {
      hint: 'Check that the C compiler can build shared libraries (-fPIC -shared) and link -ldl.',
      details: { step: 'compile', reason: stderr || String(err) },
      cause: err,
    });
  }
}
