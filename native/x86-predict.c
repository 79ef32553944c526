// The x86-64 reference predictor of exediff's decoder (docs/format.md, "Predictor x86-64"), compiled to
// WebAssembly (dist/native/x86-predict.wasm, by scripts/build-native.mjs with clang and wasm-ld): the
// same rules as src/format/codecs/x86-predict.ts, which stays the reference and the fallback when this
// module is not built. The caller copies a piece of a region's old bytes (and the 8 bytes after it,
// zeros past the old file's end) to `win`; `step` copies them to the output buffer, rewrites the
// references there and adds the diff bytes. Every table it reads was checked by the caller
// (segments inside the files and sorted, regions inside both files), in the module's own memory; the
// module never sees the old file: the scan reads the piece's old bytes and 8 lookahead bytes from `win`.
#include <stdint.h>
#include <wasm_simd128.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef int32_t i32;
typedef int64_t i64;
typedef uint64_t u64;

#define MAX_SEGMENTS 96
#define PAGE_BITS 12
#define MAX_SAFE 9007199254740991LL
#define TWO_31 2147483648LL

#define EXPORT(name) __attribute__((export_name(#name)))

typedef struct {
  i64 off, fileEnd, vaddr, fileVEnd, vEnd;
  i32 exec;
} Seg;

static Seg os[MAX_SEGMENTS], ns[MAX_SEGMENTS];
static i32 osCount, nsCount;
/** The rel32 forms by their first two bytes (x86-predict.ts FORMS, copied in by the caller). */
static const u8 *forms;
/** A region, for lookups by old offset: 16 bytes (old offsets are below 2^31 where this module runs). */
typedef struct {
  u32 old, oldEnd;
  /** New minus old offset (an exact integer). */
  double delta;
} Region;
/** The regions by (old, new). */
static const Region *sorted;
/** first[g]: how many sorted regions start before old offset g * 2^PAGE_BITS. */
static const i32 *first;
static i64 lowV, highV;
static i32 lastOld, lastNew;
/**
 * What mapAddr answered for recent addresses, by a hash of the address (a function of it alone: calls and
 * pointers name the same targets again and again). 1,024 entries (16 KiB) turn biome's 3.1 million region
 * lookups into 1.2 million.
 */
#define MEMO_BITS 10
static i64 memoT[1 << MEMO_BITS], memoV[1 << MEMO_BITS];
/** The region being decoded: old offset, new offset, length, and the next region offset to scan. */
static i64 ro, rn, rlen, next;

static inline u32 load32(const u8 *p) {
  u32 v;
  __builtin_memcpy(&v, p, 4);
  return v;
}
static inline u64 load64(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return v;
}
/** Bytewise sum (mod 256 each) of the little-endian bytes of a and b. */
static inline u64 addBytes(u64 a, u64 b) {
  const u64 low = 0x7f7f7f7f7f7f7f7fULL;
  return ((a & low) + (b & low)) ^ ((a ^ b) & ~low);
}
/** Writes the bytes of v plus the diff bytes at d (mod 256 each). */
static inline void store32(u8 *p, u32 v, const u8 *d) {
  u32 x;
  __builtin_memcpy(&x, d, 4);
  x = (u32)addBytes(v, x);
  __builtin_memcpy(p, &x, 4);
}
static inline void store64(u8 *p, u64 v, const u8 *d) {
  u64 x;
  __builtin_memcpy(&x, d, 8);
  x = addBytes(v, x);
  __builtin_memcpy(p, &x, 8);
}

/**
 * Takes the tables: `segs` holds 6 doubles per segment (offset, file end, address, address of the file
 * end, mapped end, executable), the old file's `oldCount` then the new file's `newCount`.
 */
EXPORT(init) void init(const double *segs, i32 oldCount, i32 newCount, const u8 *formsAt, const Region *sortedAt, const i32 *firstAt) {
  osCount = oldCount;
  nsCount = newCount;
  for (i32 s = 0; s < oldCount + newCount; s++) {
    Seg *g = s < oldCount ? &os[s] : &ns[s - oldCount];
    const double *c = segs + 6 * s;
    g->off = (i64)c[0];
    g->fileEnd = (i64)c[1];
    g->vaddr = (i64)c[2];
    g->fileVEnd = (i64)c[3];
    g->vEnd = (i64)c[4];
    g->exec = c[5] != 0;
  }
  forms = formsAt;
  sorted = sortedAt;
  first = firstAt;
  lowV = oldCount == 0 ? 0 : os[0].vaddr;
  highV = oldCount == 0 ? 0 : os[oldCount - 1].vEnd;
  for (u32 x = 0; x < (1u << MEMO_BITS); x++) memoT[x] = -1;
  lastOld = 0;
  lastNew = 0;
}

/**
 * Index of the segment among the `n` sorted ones at `s` whose [off, fileEnd) holds `v`, or with
 * `byAddr` whose [vaddr, vEnd), or -1 (rangeHolding in x86-predict.ts).
 */
static inline i32 segHolding(const Seg *s, i32 n, i64 v, int byAddr) {
  i32 lo = 0, hi = n - 1;
  while (lo <= hi) {
    const i32 mid = (lo + hi) >> 1;
    if (v < (byAddr ? s[mid].vaddr : s[mid].off)) hi = mid - 1;
    else if (v >= (byAddr ? s[mid].vEnd : s[mid].fileEnd)) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Index of the new segment whose file bytes hold `y`, or -1. */
static i32 newSeg(i64 y) {
  if (nsCount > 0 && y >= ns[lastNew].off && y < ns[lastNew].fileEnd) return lastNew;
  const i32 j = segHolding(ns, nsCount, y, 0);
  if (j >= 0) lastNew = j;
  return j;
}

/** Where the old address `t` is in the new file's address space, or -1 when it cannot be told. */
static i64 mapAddr(i64 t) {
  if (t < lowV || t >= highV) return -1;
  const u32 h = (u32)(((u64)t * 0x9E3779B97F4A7C15ULL) >> (64 - MEMO_BITS));
  if (memoT[h] == t) return memoV[h];
  i32 j = lastOld;
  if (!(t >= os[j].vaddr && t < os[j].vEnd)) {
    j = segHolding(os, osCount, t, 1);
    if (j < 0) return -1;
    lastOld = j;
  }
  i64 mapped = -1;
  if (t < os[j].fileVEnd) {
    // Inside the old file: below 2^31.
    const u32 x = (u32)(t - os[j].vaddr + os[j].off);
    const u32 g = x >> PAGE_BITS;
    i32 lo = first[g], hi = first[g + 1];
    while (lo < hi) {
      i32 mid = (i32)((u32)(lo + hi) >> 1);
      if (sorted[mid].old <= x) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && x < sorted[lo - 1].oldEnd) {
      i64 y = (i64)x + (i64)sorted[lo - 1].delta;
      i32 m = newSeg(y);
      if (m >= 0) mapped = y - ns[m].off + ns[m].vaddr;
    }
  }
  if (mapped < 0 && j < nsCount) {
    i64 moved = t - os[j].vaddr + ns[j].vaddr;
    mapped = moved > MAX_SAFE ? -1 : moved;
  }
  memoT[h] = t;
  memoV[h] = mapped;
  return mapped;
}

/** Starts a region copying `len` bytes from old offset `o` to new offset `n`. */
EXPORT(region) void region(double o, double n, double len) {
  ro = (i64)o;
  rn = (i64)n;
  rlen = (i64)len;
  next = 0;
}

static inline i64 min64(i64 a, i64 b) { return a < b ? a : b; }

/**
 * A bit per position q of p[0, 16) that may start a rel32 form: p[q] is E8, E9 or 0F, or p[q + 1] or
 * p[q + 2] is a RIP-relative ModRM ((x & C7) = 5). Every form has one of these (an FF form's second byte
 * and a ModRM form's ModRM are such bytes; the rest start with E8, E9 or 0F, or need one at q + 2), and
 * about one position in ten of code has one, so the exact test of the forms table runs on those only.
 * Reads p[0, 18).
 */
static inline u32 candidates(const u8 *p) {
  const v128_t v0 = wasm_v128_load(p);
  const v128_t c7 = wasm_i8x16_splat((int8_t)0xc7);
  const v128_t five = wasm_i8x16_splat(5);
  v128_t m = wasm_i8x16_eq(wasm_v128_and(wasm_v128_load(p + 1), c7), five);
  m = wasm_v128_or(m, wasm_i8x16_eq(wasm_v128_and(wasm_v128_load(p + 2), c7), five));
  m = wasm_v128_or(m, wasm_i8x16_eq(wasm_v128_and(v0, wasm_i8x16_splat((int8_t)0xfe)), wasm_i8x16_splat((int8_t)0xe8)));
  m = wasm_v128_or(m, wasm_i8x16_eq(v0, wasm_i8x16_splat(0x0f)));
  return (u32)wasm_i8x16_bitmask(m);
}

/** The first q in [from, stop) where a rel32 form starts in b (as x86-predict.ts nextForm), or stop. */
static inline u32 nextForm(const u8 *b, u32 from, u32 stop) {
  for (u32 q = from; q < stop; q += 16) {
    u32 mask = candidates(b + q);
    if (stop - q < 16) mask &= (1u << (stop - q)) - 1;
    for (; mask != 0; mask &= mask - 1) {
      const u32 p = q + (u32)__builtin_ctz(mask);
      const u32 v = forms[b[p] | (b[p + 1] << 8)];
      if (v != 0 && (v != 3 || (b[p + 2] & 0xc7) == 5)) return p;
    }
  }
  return stop;
}

/**
 * Rewrites in `out[0, piece)` the references of region offsets [k, k + piece), whose old bytes are
 * `win[0, piece)`, followed by 8 lookahead bytes, writing each rewritten byte plus its diff byte.
 * Returns how many bytes are final: `piece`, or fewer when a reference crosses the piece's end (the
 * next piece starts at the reference's first byte, where the scan resumes, so it never reads before
 * the piece).
 */
static i64 predict(u8 *out, const u8 *win, const u8 *diff, i64 k, i64 piece) {
  const i64 o = ro, n = rn, len = rlen, end = k + piece;
  // The old byte of region offset i is w[i] (i >= k), its output byte wo[i], its diff byte wd[i].
  const u8 *w = (const u8 *)((uintptr_t)win - (uintptr_t)k);
  u8 *wo = (u8 *)((uintptr_t)out - (uintptr_t)k);
  const u8 *wd = (const u8 *)((uintptr_t)diff - (uintptr_t)k);
  i64 i = next;
  i32 j;
  {
    i32 lo = 0, hi = osCount;
    const i64 x = o + i;
    while (lo < hi) {
      i32 mid = (i32)((u32)(lo + hi) >> 1);
      if (os[mid].fileEnd <= x) lo = mid + 1;
      else hi = mid;
    }
    j = lo;
  }
  while (i < end) {
    if (j >= osCount) {
      i = end;
      break;
    }
    const i64 sOff = os[j].off;
    const i64 p0 = o + i;
    if (p0 < sOff) {
      i = min64(end, sOff - o);
      continue;
    }
    const i64 segEnd = min64(end, os[j].fileEnd - o);
    if (i >= segEnd) {
      j++;
      continue;
    }
    if (os[j].exec) {
      const i64 vdelta = os[j].vaddr - sOff;
      const u32 stop = (u32)(segEnd - k);
      const u8 *b = win;
      u32 q = (u32)(i - k);
      while (q < stop) {
        q = nextForm(b, q, stop);
        if (q >= stop) break;
        i = k + q;
        const i64 f = forms[b[q] | (b[q + 1] << 8)];
        if (i + f + 4 > len) {
          q++;
          continue;
        }
        const i64 fp = o + i + f;
        const i64 disp = (i32)load32(w + i + f);
        const i64 t2 = mapAddr(fp + 4 + vdelta + disp);
        if (t2 < 0) {
          q++;
          continue;
        }
        const i64 at = n + i + f;
        const i32 m = newSeg(at);
        if (m < 0) {
          q++;
          continue;
        }
        const i64 d2 = t2 - (at + 4 - ns[m].off + ns[m].vaddr);
        if (d2 < -TWO_31 || d2 >= TWO_31) {
          q++;
          continue;
        }
        if (i + f + 4 > end) {
          next = i;
          return i - k;
        }
        store32(wo + i + f, (u32)d2, wd + i + f);
        q += (u32)f + 4;
      }
      // Past segEnd when the last rewritten field crosses the segment's end (the scan goes on after it).
      i = k + q;
    } else {
      for (i += (8 - p0 % 8) % 8; i < segEnd; i += 8) {
        if (i + 8 > len) break;
        const u64 v = load64(w + i);
        if (v >= (1ULL << 53)) continue;
        const i64 t2 = mapAddr((i64)v);
        if (t2 < 0) continue;
        if (i + 8 > end) {
          next = i;
          return i - k;
        }
        store64(wo + i, (u64)t2, wd + i);
      }
      i = segEnd;
    }
  }
  next = i;
  return piece;
}

/**
 * One piece of the current region: out[0, piece) = win + diff (mod 256 each), then the references
 * predicted (see predict) when `predicting`. Returns how many bytes are final. Reads and writes whole
 * 16-byte vectors: the buffers have 16 bytes of room past the piece.
 */
EXPORT(step) u32 step(u8 *out, const u8 *win, double k, u32 piece, const u8 *diff, i32 predicting) {
  for (u32 x = 0; x < piece; x += 16) wasm_v128_store(out + x, wasm_i8x16_add(wasm_v128_load(win + x), wasm_v128_load(diff + x)));
  return predicting ? (u32)predict(out, win, diff, (i64)k, piece) : piece;
}
