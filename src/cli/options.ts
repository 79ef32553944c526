// Shared option definitions and argument parsers of the command line.
import { Option } from 'commander';
import { ServicePackError } from '../index.js';

export const jsonOption = (): Option => new Option('--json', 'print JSON lines: events, then the result object');
export const targetOption = (): Option => new Option('--target <dir>', 'the installation directory').makeOptionMandatory();

export function intArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new ServicePackError('USAGE', `${name} must be an integer`, { hint: `for example ${name} 19`, details: { argument: name } });
    return n;
  };
}

/** Accumulates a repeatable option's values. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
