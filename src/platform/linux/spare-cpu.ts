// Whether a second scan thread would find a CPU of its own. Measured at 2,000 processes on 2 cores
// shared with other work: two scanning threads (or processes) took as long as one or longer, since the
// scheduler shares CPU time between sessions, not threads, and the second thread's start-up and cold
// code only add to it (docs/benchmarks.md). So: only when nothing waits for a CPU and, over the last
// minute, at least half a CPU stood idle.
import * as fs from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
// Not errors/index.js: see scan-range.ts.
import { hasErrno } from '../../errors/service-pack-error.js';

/** Above this share of the last 10 s with some task waiting for a CPU (PSI "some avg10"), no CPU is spare. */
const PRESSURE_LIMIT = 10;

export function hasSpareCpu(): boolean {
  const cpus = availableParallelism();
  if (cpus < 2 || loadavg()[0]! > cpus - 0.5) return false;
  // Pressure stall information is missing before Linux 4.20 and with psi=0: the load average decides alone.
  const waiting = cpuPressure();
  return waiting === undefined || waiting < PRESSURE_LIMIT;
}

/** "some avg10" of /proc/pressure/cpu, in percent; undefined when the kernel does not report it. */
function cpuPressure(): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync('/proc/pressure/cpu', 'latin1');
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'EOPNOTSUPP', 'EACCES')) return undefined;
    throw err;
  }
  const m = /^some avg10=([\d.]+)/.exec(text);
  return m === null ? undefined : Number(m[1]);
}
