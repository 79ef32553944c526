// Runs perfhost, the hidden Performance Monitor host, on a set of libraries and reports when it
// holds them all; the caller can watch it die, or stop it with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { ServicePackError } from '../errors/index.js';

export interface HolderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HolderProcess {
  pid: number;
  child: ChildProcess;
  alive(): boolean;
  /** How the holder ended, or null while it runs. */
  exitInfo(): HolderExit | null;
  /** Sends SIGTERM (if still running) and resolves once the holder has exited. */
  stop(): Promise<void>;
}

const readyTimeoutMs = 10_000;

/** Starts `hostPath libPaths...` outside the install tree and resolves once it printed `ready <pid>`. */
export function startHolder(hostPath: string, libPaths: string[]): Promise<HolderProcess> {
  // cwd outside the installation, so the only holds are the executable and the mapped libraries.
  const child = spawn(hostPath, libPaths, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let exit: HolderExit | null = null;
  const exited = new Promise<HolderExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const holder: HolderProcess = {
    pid: child.pid ?? -1,
    child,
    alive: () => exit === null,
    exitInfo: () => exit,
    stop: async () => {
      if (exit === null) child.kill('SIGTERM');
      await exited;
    },
  };

  return new Promise<HolderProcess>((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const fail = (reason: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (exit === null) child.kill('SIGKILL');
      reject(
        new ServicePackError('DEMO_FAILED', `The perfhost holder did not start: ${reason}`, {
          hint: 'Check that the demo fixture compiled and that the libraries can be loaded (dlopen).',
          details: { step: 'start-holder', reason },
          cause,
        }),
      );
    };
    const timer = setTimeout(() => fail(`no "ready" line within ${readyTimeoutMs} ms`), readyTimeoutMs);
    child.on('error', (err) => fail(err.message, err));
    void exited.then((e) => fail(`exited early (code ${e.code}, signal ${e.signal}): ${stderr.trim()}`));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^ready (\d+)\n/.exec(stdout);
      if (match === null || settled) return;
      settled = true;
      clearTimeout(timer);
      holder.pid = Number(match[1]);
      resolve(holder);
    });
  });
}

/** Resolves with how the holder ended, or null if it still runs after `ms` milliseconds. */
export function waitForExit(h: HolderProcess, ms: number): Promise<HolderExit | null> {
  const done = h.exitInfo();
  if (done !== null) return Promise.resolve(done);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      h.child.off('exit', onExit);
      resolve(h.exitInfo());
    }, ms);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code, signal });
    };
    h.child.once('exit', onExit);
  });
}
