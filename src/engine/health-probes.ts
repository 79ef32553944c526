// Runs one health check as a child process, so that the transaction's thread stays synchronous and a
// check that never answers is killed at its timeout (docs/health.md). A command check runs as given
// (no shell, cwd = the target); an HTTP or TCP check runs a few lines of JavaScript in a fresh Node.
// One table says, per kind, what to run and how to read its end.
import { performance } from 'node:perf_hooks';
import type { HealthCheckResult } from '../errors/index.js';
import { describeCheck, splitHostPort, type HealthCheck } from '../format/health.js';
import type { CommandOutcome } from '../platform/index.js';
import type { TxContext } from '../records/tx-context.js';

/** Prints why the URL is not healthy and exits 1, or exits 0 on a 2xx answer. Redirects are not followed. */
const URL_PROBE = `const [url, ms] = process.argv.slice(1);
const u = new URL(url);
const fail = (why) => { process.stdout.write(why); process.exit(1); };
const req = require(u.protocol === 'https:' ? 'node:https' : 'node:http').get(u, { timeout: Number(ms), agent: false }, (res) => {
  const s = res.statusCode;
  if (s >= 200 && s < 300) process.exit(0);
  fail('HTTP ' + s);
});
req.on('timeout', () => fail('no answer within ' + ms + ' ms'));
req.on('error', (e) => fail(e.message));`;

/** Exits 0 once a connection is accepted; prints why not and exits 1. */
const TCP_PROBE = `const [host, port, ms] = process.argv.slice(1);
const fail = (why) => { process.stdout.write(why); process.exit(1); };
const s = require('node:net').connect({ host, port: Number(port), timeout: Number(ms) });
s.on('connect', () => { s.destroy(); process.exit(0); });
s.on('timeout', () => fail('no connection within ' + ms + ' ms'));
s.on('error', (e) => fail(e.message));`;

/** How long a probe gives its request before the process itself is killed (it reports why first). */
const PROBE_MARGIN_MS = 250;

interface Probe {
  argv(check: HealthCheck, timeoutMs: number): string[];
}

const probeArgv = (script: string, args: string[]): string[] => [process.execPath, '-e', script, ...args];
const probeTimeout = (ms: number): string => String(Math.max(1, Math.ceil(ms - PROBE_MARGIN_MS)));

const PROBES: Record<'cmd' | 'url' | 'tcp', Probe> = {
  cmd: { argv: (c) => (c as { cmd: string[] }).cmd },
  url: { argv: (c, ms) => probeArgv(URL_PROBE, [(c as { url: string }).url, probeTimeout(ms)]) },
  tcp: {
    argv: (c, ms) => {
      const { host, port } = splitHostPort((c as { tcp: string }).tcp)!;
      return probeArgv(TCP_PROBE, [host, String(port), probeTimeout(ms)]);
    },
  },
};

const kindOf = (c: HealthCheck): keyof typeof PROBES => ('cmd' in c ? 'cmd' : 'url' in c ? 'url' : 'tcp');

/** What a check's command is told (docs/health.md). */
export interface CheckEnv {
  phase: 'trial' | 'after-roll-back';
  product: string;
  /** The version being checked. */
  version: string;
  txid: string;
}

/** Runs `check` once, for at most `timeoutMs`; `atMs` is when it starts, relative to the trial's start. */
export function runCheck(ctx: TxContext, check: HealthCheck, env: CheckEnv, timing: { timeoutMs: number; atMs: number }): HealthCheckResult {
  const kind = kindOf(check);
  const started = performance.now();
  const r = ctx.platform.runCommand(PROBES[kind].argv(check, timing.timeoutMs), {
    cwd: ctx.layout.target,
    env: {
      SERVICEPACK_TARGET: ctx.layout.target,
      SERVICEPACK_CHECK: env.phase,
      SERVICEPACK_OUTCOME: env.phase === 'trial' ? 'committed' : 'rolled-back',
      SERVICEPACK_PRODUCT: env.product,
      SERVICEPACK_VERSION: env.version,
      SERVICEPACK_TXID: env.txid,
      // The probes are plain Node scripts: options meant for servicepack's own Node must not reach them.
      ...(kind === 'cmd' ? {} : { NODE_OPTIONS: '' }),
    },
    timeoutMs: Math.max(1, Math.ceil(timing.timeoutMs)),
  });
  const ms = Math.round(performance.now() - started);
  const result: HealthCheckResult = { check: describeCheck(check), ok: r.exitCode === 0 && r.error === undefined, ms, atMs: Math.round(timing.atMs) };
  if (!result.ok) result.reason = reasonOf(kind, r);
  return result;
}

function reasonOf(kind: keyof typeof PROBES, r: CommandOutcome): string {
  if (r.error !== undefined) return r.error;
  const output = r.output.trim().slice(-512);
  if (kind !== 'cmd' && r.exitCode === 1 && output !== '') return output;
  const how = r.signal !== null ? `killed by ${r.signal}` : `exit status ${r.exitCode}`;
  return output === '' ? how : `${how}: ${output}`;
}
