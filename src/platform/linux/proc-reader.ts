// Reads whole /proc files into one reused, growing buffer: a scan reads thousands of small files, and
// a string or a fresh Buffer per file would cost more than the read (allocation and GC).
import * as fs from 'node:fs';

/**
 * One options object for every stat of a /proc entry (a missing one is undefined, not an error):
 * building one per call showed in profiles.
 */
export const statOptions = { throwIfNoEntry: false } as const;

/** Reads `file` whole; the bytes are valid until the next call (they live in the shared buffer). */
export type ProcReader = (file: string) => Buffer;

/**
 * With `shortReadEnds`, a read that returns fewer bytes than asked is taken as the end of the file,
 * saving the read that would return 0. Only for files the kernel produces in one piece per read:
 * single-record seq files (stat, cgroup: the record is formatted whole, then copied as far as the
 * buffer allows) and cmdline (filled up to the count asked). Not for maps, whose reads stop at the
 * seq buffer's page even when more lines follow.
 */
export function procReader(initialSize = 64 * 1024, shortReadEnds = false): ProcReader {
  let buf = Buffer.allocUnsafe(initialSize);
  return (file) => {
    const fd = fs.openSync(file, 'r');
    try {
      let len = 0;
      for (;;) {
        if (len === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, len);
          buf = bigger;
        }
        const asked = buf.length - len;
        const n = fs.readSync(fd, buf, len, asked, null);
        len += n;
        if (n === 0 || (shortReadEnds && n < asked)) return buf.subarray(0, len);
      }
    } finally {
      fs.closeSync(fd);
    }
  };
}
