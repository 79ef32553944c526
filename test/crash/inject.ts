// Runs an operation of the runner in a child, optionally under strace with fault injection
// (`-e inject=...`), and returns its exit code and the JSON it printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { RUNNER } from './crash-point.js';

export interface RunnerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last JSON line the runner printed ({ ok, recovered } or { error }). */
  json: { ok?: true; recovered?: { outcome: string }; error?: { code: string; message: string; details: Record<string, unknown> } } | null;
  stderr: string;
}

/**
 * `user` is a numeric uid (its gid is the same). `injects` are strace `-e` expressions such as
 * `inject=rename:error=EIO:when=3`; none runs node directly. With `log`, strace writes there the traced
 * calls and the runner's `write`s (its window markers), to see where an injection landed.
 */
export function startRunner(args: string[], injects: string[] = [], user?: number, log?: string): { child: ChildProcess; done: Promise<RunnerExit> } {
  const node = ['node', RUNNER, ...args];
  const trace = `trace=${traceSet(injects)}${log === undefined ? '' : ',write'}`;
  const traced = injects.length === 0 ? node : ['strace', '-f', '-qq', '-o', log ?? '/dev/null', '-e', trace, ...injects.flatMap((i) => ['-e', i]), ...node];
  const argv = user === undefined ? traced : ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--clear-groups', ...traced];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '1' } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<RunnerExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const last = out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
      resolve({ code, signal, json: last === undefined ? null : JSON.parse(last), stderr: err });
    });
  });
  return { child, done };
}

export const runRunner = (args: string[], injects: string[] = [], user?: number, log?: string): Promise<RunnerExit> => startRunner(args, injects, user, log).done;

/** The syscalls named by the inject expressions (strace injects only into traced calls). */
function traceSet(injects: string[]): string {
  const names = new Set(injects.map((i) => /^inject=([a-z0-9_]+)/.exec(i)?.[1] ?? 'none'));
  // With an fchown, the log also shows fchmod and copy_file_range: what follows it tells libuv's copyfile
  // apart (injected-faults.test.ts).
  if (names.has('fchown')) names.add('fchmod').add('copy_file_range');
  return [...names].join(',');
}
