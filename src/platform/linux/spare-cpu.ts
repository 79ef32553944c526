// Whether a second scan thread would find a CPU of its own. On a busy machine it would not: measured
// at 2,000 processes on 2 cores with other work running, two scanning threads (or processes) took as
// long as one, and the thread's start-up and cold code made the scan slower (docs/benchmarks.md).
import * as fs from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
// Not errors/index.js: see scan-range.ts.
import { hasErrno } from '../../errors/service-pack-error.js';

/** Above this share of the last 10 s with some task waiting for a CPU (PSI "some avg10"), no CPU is spare. */
const PRESSURE_LIMIT = 20;

export function hasSpareCpu(): boolean {
  const cpus = availableParallelism();
  if (cpus < 2) return false;
  const waiting = cpuPressure();
  // Without pressure stall information (kernels before 4.20, or psi=0): the one-minute load average.
  return waiting === undefined ? loadavg()[0]! < cpus - 0.5 : waiting < PRESSURE_LIMIT;
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
