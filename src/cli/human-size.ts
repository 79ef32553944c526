// Sizes as people read them: 1,024-based units with one decimal ("59.3 GiB"), bytes below 1 KiB.

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let v = n;
  let unit = -1;
  while (v >= 1024 && unit < UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${v.toFixed(1)} ${UNITS[unit]}`;
}
