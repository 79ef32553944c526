// Small synthetic binaries for delta tests: incompressible noise, and a revision of it that patches a
// few bytes, inserts a block and drops one, the way a rebuild changes an executable.

/** Deterministic bytes (xorshift32 from `seed`) that zstd cannot compress on their own. */
export function noise(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** `old` (at least 60,000 bytes) with every 4099th byte bumped, 300 new bytes inserted and 2,000 dropped. */
export function revise(old: Buffer): Buffer {
  const patched = Buffer.from(old);
  for (let i = 100; i < patched.length; i += 4099) patched[i] = (patched[i]! + 1) & 0xff;
  return Buffer.concat([patched.subarray(0, 20_000), noise(300, 7), patched.subarray(20_000, 50_000), patched.subarray(52_000)]);
}
