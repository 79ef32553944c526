// Lining up a killed run with the counted run when an open landed elsewhere (alignedOrdinal): the opens
// outside /proc are the same in every run, /proc opens (the holder scan) and Node's start-up vary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reaimed } from './crash-point.js';
import { alignedOrdinal, isProcOpen, nearestOrdinal, type CrashPoint, type KilledCall, type WindowOpen } from './strace-log.js';

const fixed = (call: string): WindowOpen => ({ call, proc: false });
const proc = (n: number): WindowOpen => ({ call: `openat("/proc/${n}/maps")`, proc: true });
// Counted window: A, two /proc opens, B, then the point C.
const counted = [fixed('A'), proc(1), proc(2), fixed('B'), fixed('C')];
const point: CrashPoint = { name: 'openat', ordinal: 244, seq: 0, call: 'C', procOpens: 2, preWindowOpens: 239, windowOpens: counted, openPos: 4 };
const hit = (seen: WindowOpen[], ordinal: number): KilledCall => ({ ordinal, call: seen.at(-1)!.call, inWindow: true, procOpens: 0, preWindowOpens: 0, windowOpens: seen });

describe('alignedOrdinal', () => {
  it('moves past the open it hit to the point, whatever came before the window', () => {
    // Start-up made 5 more opens, so ordinal 244 hit A: C is 4 opens further on.
    assert.equal(alignedOrdinal(point, hit([fixed('A')], 244), 244), 248);
  });
  it('counts the /proc opens the killed run really made before the open it hit', () => {
    // One more /proc open than counted: the kill at 244 hit B, and C follows it directly.
    assert.equal(alignedOrdinal(point, hit([fixed('A'), proc(1), proc(2), proc(3), fixed('B')], 244), 244), 245);
  });
  it('lands inside the /proc opens and steps over the rest as counted', () => {
    assert.equal(alignedOrdinal(point, hit([fixed('A'), proc(1)], 300), 300), 303);
  });
  it('moves back when the kill went past the point', () => {
    assert.equal(alignedOrdinal({ ...point, windowOpens: [...counted, fixed('D')] }, hit([...counted, fixed('D')], 250), 250), 249);
  });
  it('gives up when the opens outside /proc differ (another run altogether)', () => {
    assert.equal(alignedOrdinal(point, hit([fixed('X')], 244), 244), null);
  });
});

describe('nearestOrdinal', () => {
  // A staged file copied twice (59 is the source of two copies), then the point (75's creation).
  const twice = [fixed('59 ro'), fixed('70 new'), fixed('59 ro'), fixed('75 new')];
  const at75: CrashPoint = { ...point, call: '75 new', windowOpens: twice, openPos: 3 };
  it("takes the hit to be its call's occurrence nearest to the point: one open short, one further", () => {
    // The killed run made an open outside /proc fewer, so the runs cannot be lined up (alignedOrdinal).
    const seen = [fixed('70 new'), fixed('59 ro')];
    assert.equal(alignedOrdinal(at75, hit(seen, 1953), 1953), null);
    assert.equal(nearestOrdinal(at75, hit(seen, 1953), 1953), 1954);
  });
  it('moves back when the nearest occurrence is after the point', () => {
    const after: CrashPoint = { ...at75, windowOpens: [...twice, fixed('76 new')] };
    assert.equal(nearestOrdinal(after, hit([fixed('76 new')], 1960), 1960), 1959);
  });
  it('gives up on a call the counted window does not have, or outside the window', () => {
    assert.equal(nearestOrdinal(at75, hit([fixed('X')], 1953), 1953), null);
    assert.equal(nearestOrdinal(at75, { ...hit([fixed('59 ro')], 1953), inWindow: false }, 1953), null);
  });
});

describe('reaimed, for a run that was not killed', () => {
  it("aims as far before the run's last open as the point was before the counted run's last", () => {
    // The point is the counted run's 2,089th of 2,119 opens; aimed at 2,089, a run with 100 opens fewer
    // ended at its 2,019th, a lock read that occurs many times.
    const point: CrashPoint = { name: 'openat', ordinal: 2089, seq: 0, call: 'history', procOpens: 0, preWindowOpens: 0, openTotal: 2119 };
    const last: KilledCall = { ordinal: 2019, call: 'lock', inWindow: true, procOpens: 0, preWindowOpens: 0, windowOpens: [] };
    assert.equal(reaimed(point, last, 2089, true), 1989);
  });
});

describe('isProcOpen', () => {
  it("counts both holder scans' opens as /proc opens, and nothing of the transaction's own", () => {
    const args = {
      // The JavaScript scan: paths under /proc.
      'AT_FDCWD, "/proc/1234/maps", O_RDONLY|O_CLOEXEC': true,
      'AT_FDCWD, "/proc/1234/fd/", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY': true,
      // The native scan (native/scan.c): /proc itself, then names relative to a descriptor.
      'AT_FDCWD, "/proc", O_PATH|O_DIRECTORY|O_CLOEXEC': true,
      '19, "1234", O_PATH|O_DIRECTORY|O_CLOEXEC': true,
      '20, "maps", O_RDONLY|O_CLOEXEC': true,
      // The transaction's files, and names that only start like /proc.
      'AT_FDCWD, "/tmp/t/.servicepack/staging/TXID/0", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0644': false,
      'AT_FDCWD, "/procedures/a", O_RDONLY|O_CLOEXEC': false,
      'AT_FDCWD, "t/proc/x", O_RDONLY|O_CLOEXEC': false,
    };
    assert.deepEqual(Object.keys(args).map((a) => isProcOpen({ args: a })), Object.values(args));
  });
});
