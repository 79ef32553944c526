// Shared option definitions and argument parsers of the command line.
import { Option } from 'commander';
import { ServicePackError } from '../index.js';

export const jsonOption = (): Option => new Option('--json', 'print JSON lines: events, then the result object');
export const restartUnitsOption = (): Option => new Option('--restart-units', 'after the commit, restart the systemd services still running old code');
export const inUseWaitOption = (): Option =>
  new Option('--in-use-wait <ms>', 'Windows: how long to retry a file another program keeps open before giving up (default 3400)').argParser(intArg('--in-use-wait'));
export const verboseOption = (): Option => new Option('-v, --verbose', 'also list every file (the summary comes first)');
export const quietOption = (): Option => new Option('-q, --quiet', 'print nothing but warnings and errors; the exit code tells the outcome');
export const targetOption = (): Option => new Option('--target <dir>', 'the installation directory (required)').makeOptionMandatory();

export function intArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new ServicePackError('USAGE', `${name} must be an integer`, { hint: `for example ${name} 19`, details: { argument: name } });
    return n;
  };
}

/** Accumulates a repeatable option's values (given without a default, so --help shows no `(default: [])`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A hook command: a JSON array of strings, or words separated by spaces (no shell, no quoting). */
export function hookArg(name: string): (v: string) => string[] {
  return (v) => {
    const bad = () => new ServicePackError('USAGE', `${name} must be a command: words separated by spaces, or a JSON array of strings`, { hint: `for example ${name} "systemctl stop myapp" or ${name} '["/opt/app/bin/ctl","stop"]'`, details: { argument: name } });
    if (v.trimStart().startsWith('[')) {
      let argv: unknown;
      try {
        argv = JSON.parse(v);
      } catch {
        throw bad();
      }
      if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) throw bad();
      return argv as string[];
    }
    const words = v.split(' ').filter((w) => w !== '');
    if (words.length === 0) throw bad();
    return words;
  };
}
