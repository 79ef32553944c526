// The scrypt parameters libsodium derives from minisign's stored opslimit and memlimit
// (crypto_pwhash_scryptsalsa208sha256's pickparams), bounded so a hostile key file cannot ask for
// more than minisign's own "sensitive" preset uses (N = 2^20, r = 8: 1 GiB).

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

const MAX_LOG_N = 20;
const MAX_P = 8;

/** scrypt N, r, p for the stored limits, or undefined when they exceed the bounds above. */
export function scryptParamsOf(opslimit: bigint, memlimit: bigint): ScryptParams | undefined {
  const ops = opslimit < 32768n ? 32768n : opslimit;
  const r = 8n;
  let logN = 1n;
  let p: bigint;
  const pickLogN = (maxN: bigint): void => {
    for (logN = 1n; logN < 63n; logN++) if (1n << logN > maxN / 2n) break;
  };
  if (ops < memlimit / 32n) {
    p = 1n;
    pickLogN(ops / (r * 4n));
  } else {
    pickLogN(memlimit / (r * 128n));
    let maxrp = ops / 4n / (1n << logN);
    if (maxrp > 0x3fffffffn) maxrp = 0x3fffffffn;
    p = maxrp / r;
  }
  if (logN > BigInt(MAX_LOG_N) || p > BigInt(MAX_P) || p < 1n) return undefined;
  return { N: 2 ** Number(logN), r: Number(r), p: Number(p) };
}
