// Shared option definitions and argument parsers of the command line.
import { Option, type Command } from 'commander';
import { ServicePackError, type PackHealth } from '../index.js';

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

/** The health check and trial timing options shared by build and install (docs/health.md). */
export function addHealthOptions(cmd: Command, verb: string): Command {
  const cmdArg = hookArg('--health-cmd');
  return cmd
    .option('--health-cmd <command>', `a health check: a command that must exit 0 (words split on spaces, or a JSON array; no shell; repeatable)${verb}`, (v: string, prev: string[][] | undefined) => [...(prev ?? []), cmdArg(v)])
    .option('--health-url <url>', 'a health check: an http(s) URL that must answer 2xx (repeatable)', collect)
    .option('--health-tcp <host:port>', 'a health check: a TCP port that must accept a connection (repeatable)', collect)
    .option('--health-delay <s>', 'seconds from the commit to the first check (default 2)', secondsArg('--health-delay'))
    .option('--health-period <s>', 'seconds between rounds of checks (default 1)', secondsArg('--health-period'))
    .option('--health-window <s>', 'seconds every check must keep passing (default 10)', secondsArg('--health-window'))
    .option('--health-deadline <s>', 'seconds from the commit within which the window must pass, else roll back (default 60)', secondsArg('--health-deadline'));
}

export interface HealthFlags { healthCmd?: string[][]; healthUrl?: string[]; healthTcp?: string[]; healthDelay?: number; healthPeriod?: number; healthWindow?: number; healthDeadline?: number }

/** The checks and timing the health options give (times in milliseconds). */
export function healthOf(o: HealthFlags): Partial<PackHealth> {
  const checks = [...(o.healthCmd ?? []).map((cmd) => ({ cmd })), ...(o.healthUrl ?? []).map((url) => ({ url })), ...(o.healthTcp ?? []).map((tcp) => ({ tcp }))];
  return {
    ...(checks.length === 0 ? {} : { checks }),
    ...(o.healthDelay === undefined ? {} : { delayMs: o.healthDelay }),
    ...(o.healthPeriod === undefined ? {} : { periodMs: o.healthPeriod }),
    ...(o.healthWindow === undefined ? {} : { windowMs: o.healthWindow }),
    ...(o.healthDeadline === undefined ? {} : { deadlineMs: o.healthDeadline }),
  };
}

/** Seconds (a decimal number, at least 0) as whole milliseconds. */
export function secondsArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new ServicePackError('USAGE', `${name} must be a number of seconds, at least 0`, { hint: `for example ${name} 10 or ${name} 0.5`, details: { argument: name } });
    return Math.round(n * 1000);
  };
}
