// The build's memory budget for delta encoders' own tables (exediff's suffix array: 4 bytes per old
// byte, and its streams), shared by every encode worker through a SharedArrayBuffer: an encoder waits
// until its reservation fits beside the others', so two large suffix arrays never coexist, and one
// that exceeds the whole budget is declined (the file then travels as zstd-patch).

/** Default budget: 1 GiB of encoder tables (biome's 100 MB executable needs about 760 MiB). */
export const DELTA_MEMORY_BUDGET = 1 << 30;

const MiB = 1 << 20;

/** A budget of `bytes` (whole MiB), to pass to every job of one build. */
export function newMemoryBudget(bytes = DELTA_MEMORY_BUDGET): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(8);
  const cells = new Int32Array(sab);
  cells[0] = Math.floor(bytes / MiB);
  return sab;
}

/**
 * The reserve function of `budget`: reserves `bytes` (rounded up to MiB), waiting while it does not fit
 * beside the reservations of other threads; null when it exceeds the whole budget.
 */
export function reserver(budget: SharedArrayBuffer): (bytes: number) => (() => void) | null {
  const cells = new Int32Array(budget);
  return (bytes) => {
    const need = Math.ceil(bytes / MiB);
    const limit = Atomics.load(cells, 0);
    if (need > limit) return null;
    for (;;) {
      const used = Atomics.load(cells, 1);
      if (used + need <= limit) {
        if (Atomics.compareExchange(cells, 1, used, used + need) === used) break;
        continue;
      }
      // Woken by a release; the timeout only guards against a missed wake-up.
      Atomics.wait(cells, 1, used, 1000);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      Atomics.sub(cells, 1, need);
      Atomics.notify(cells, 1);
    };
  };
}
