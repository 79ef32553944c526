// Gates for tests that need a system program: `{ skip: needs('minisign') }` skips with a reason naming
// the Debian package when the program is not on PATH, and records it for scripts/run-tests.mjs, which
// ends `npm test` with one line naming what was skipped and the `apt-get install -y` that brings it.
// With SERVICEPACK_TEST_REQUIRE_ALL=1 (.ci/run) a missing program fails the test file instead.
import { accessSync, appendFileSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Every program a test may need, with the Debian package that brings it and what it lets the suite
 * prove. A new entry also goes into .ci/run's `missing` list (or scripts/setup-windows.sh): a test checks it.
 */
export const TOOLS = {
  minisign: { apt: 'minisign', enables: 'stock minisign verifies our signatures; its keys sign our packs' },
  strace: { apt: 'strace', enables: 'the crash and fault matrices (kill or fail at an exact syscall)' },
  zstd: { apt: 'zstd', enables: 'the zstd CLI decodes our deltas (--patch-from)' },
  'mkfs.xfs': { apt: 'xfsprogs', enables: 'power-loss tests on loop-mounted xfs' },
  xfs_io: { apt: 'xfsprogs', enables: 'the simulated power cut (shutdown) on ext4 and xfs' },
  'mkfs.ext4': { apt: 'e2fsprogs', enables: 'power-loss and real-fault tests on loop-mounted ext4' },
  chattr: { apt: 'e2fsprogs', enables: 'EPERM even for root (chattr +i)' },
  losetup: { apt: 'mount', enables: 'loop-mounted file systems' },
  setpriv: { apt: 'util-linux', enables: 'holders and scanners running as another user' },
  unshare: { apt: 'util-linux', enables: 'holders in other mount and pid namespaces' },
  cc: { apt: 'gcc libc6-dev', enables: 'the native holder scan and signal handling, the demo, holders that map real libraries' },
  perl: { apt: 'perl', enables: 'a holder whose root is the target (chroot)' },
  dpkg: { apt: 'dpkg', enables: 'version ordering checked against dpkg --compare-versions' },
  wine: { apt: 'wine wine64', enables: 'the Windows tier under Wine (then npm run setup:windows)' },
  nginx: { apt: 'nginx-light', enables: 'fleet sync from a real web server (ranges, resume)' },
  'ansible-playbook': { apt: 'ansible-core', enables: 'the example Ansible play updating three targets' },
  tinyproxy: { apt: 'tinyproxy', enables: 'sync through an HTTP proxy named by HTTP_PROXY' },
  clang: { apt: 'clang', enables: "the exediff decoder's WebAssembly core (npm run build compiles native/x86-predict.c)" },
  'wasm-ld': { apt: 'lld', enables: "the exediff decoder's WebAssembly core (its linker)" },
  'x86_64-w64-mingw32-gcc': { apt: 'gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64', enables: 'Windows test programs built with mingw-w64' },
} as const satisfies Record<string, { apt: string; enables: string }>;

export type Tool = keyof typeof TOOLS;

/** Set by .ci/run: a missing program is an error there, never a skip. */
export const REQUIRE_ALL = 'SERVICEPACK_TEST_REQUIRE_ALL';
/** Set by scripts/run-tests.mjs: the file that collects the programs tests were skipped for. */
export const SKIP_LOG = 'SERVICEPACK_TEST_SKIP_LOG';

/** The absolute path of `tool` on PATH, or null. */
export function toolPath(tool: Tool): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'EACCES' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    }
  }
  return null;
}

/** Whether every one of `tools` is on PATH (no recording, no failure: for choices that are not skips). */
export function has(...tools: Tool[]): boolean {
  return tools.every((t) => toolPath(t) !== null);
}

/**
 * A skip reason when one of `tools` is missing, else false: `{ skip: needs('strace', 'mkfs.xfs') }`.
 * Records the missing programs for the run's summary line; under SERVICEPACK_TEST_REQUIRE_ALL=1 throws
 * instead, which fails the test file with the same words.
 */
export function needs(...tools: Tool[]): string | false {
  const missing = tools.filter((t) => toolPath(t) === null);
  if (missing.length === 0) return false;
  const apt = [...new Set(missing.map((t) => TOOLS[t].apt))].join(' ');
  const reason = `needs ${missing.join(', ')} (apt-get install -y ${apt})`;
  record(missing.map((t) => `${t}\t${TOOLS[t].apt}\t${process.argv[1] ?? ''}\n`).join(''));
  if (process.env[REQUIRE_ALL] === '1') throw new Error(`${REQUIRE_ALL}=1 but this test ${reason}`);
  return reason;
}

/**
 * A skip reason when a prepared cache is missing (`what`, made by `command`), else false; recorded and
 * failing under SERVICEPACK_TEST_REQUIRE_ALL=1 the same way as a missing program.
 */
export function needsSetup(what: string, ready: boolean, command: string): string | false {
  if (ready) return false;
  const reason = `${what} is not set up (run ${command})`;
  record(`${what}\t${command}\t${process.argv[1] ?? ''}\tsetup\n`);
  if (process.env[REQUIRE_ALL] === '1') throw new Error(`${REQUIRE_ALL}=1 but ${reason}`);
  return reason;
}

function record(lines: string): void {
  const log = process.env[SKIP_LOG];
  if (log !== undefined && log !== '') appendFileSync(log, lines);
}
