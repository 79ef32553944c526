// Reads whole /proc files into one reused, growing buffer: a scan reads thousands of small files, and
// a string or a fresh Buffer per file would cost more than the read (allocation and GC).
import * as fs from 'node:fs';

/** Reads `file` whole; the bytes are valid until the next call (they live in the shared buffer). */
export type ProcReader = (file: string) => Buffer;

export function procReader(initialSize = 64 * 1024): ProcReader {
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
        const n = fs.readSync(fd, buf, len, buf.length - len, null);
        if (n === 0) return buf.subarray(0, len);
        len += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  };
}
