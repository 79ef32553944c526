// Argument parsers of the fleet commands: percentages, positive numbers, byte rates (`500k`, `2M`).
import { ServicePackError } from '../../index.js';

const usage = (name: string, example: string) => new ServicePackError('USAGE', `${name} is not valid`, { hint: `for example ${name} ${example}`, details: { argument: name } });

export function percentArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw usage('--percent', '10');
  return n;
}

export function positiveArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw usage(name, '7');
    return n;
  };
}

/** Bytes per second: a number with an optional k, M or G suffix (powers of 1024). */
export function rateArg(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(v.trim());
  if (m === null) throw usage('--max-rate', '2M');
  const n = Number(m[1]) * 1024 ** ' kmg'.indexOf(m[2]!.toLowerCase() || ' ');
  if (n < 1) throw usage('--max-rate', '2M');
  return Math.floor(n);
}
