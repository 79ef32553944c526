// servicepack's exediff encoder (docs/format.md, 'exediff'; the build side only): a suffix array of the
// old file (libdivsufsort), approximate matching (in pieces of the new file, on up to four threads),
// each candidate region cut into the pieces whose estimated cost in the patch is below that of their
// bytes as literals, then the x86-64 reference predictor of src/format/codecs/x86-predict.ts, applied
// with exactly the same rules, and the byte-wise difference of each region against its prediction. The caller compresses the streams and checks the
// result by decoding it. Deterministic: the suffix array is a total order, every tie is broken by position.
#define NAPI_VERSION 8
#include <node_api.h>

#include <divsufsort.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct { int64_t off, size, vaddr, mem; int exec; } seg_t;
typedef struct { int64_t nw, old, len; } region_t;
typedef struct {
  const uint8_t *old; int64_t oldn;
  seg_t *os, *ns; int on, nn;
  region_t *byold; int64_t nr; // regions sorted by (old, new)
  int64_t lowv, highv;
} pred_t;

enum { MIN_REGION = 16 };

static uint8_t MODRM_OPS[256], SSE_OPS[256];
static void init_tables(void) {
  static const uint8_t m[] = {0x01, 0x03, 0x09, 0x0b, 0x11, 0x13, 0x19, 0x1b, 0x21, 0x23, 0x29, 0x2b, 0x31, 0x33, 0x39, 0x3b, 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8d};
  static const uint8_t s[] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2a, 0x2c, 0x2d, 0x2e, 0x2f, 0x51, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x6e, 0x6f, 0x7e, 0x7f, 0xaf, 0xb6, 0xb7, 0xbe, 0xbf, 0xd4, 0xd6, 0xdb, 0xdf, 0xeb, 0xef, 0xfa, 0xfb, 0xfe};
  for (size_t i = 0; i < sizeof m; i++) MODRM_OPS[m[i]] = 1;
  for (size_t i = 0; i < sizeof s; i++) SSE_OPS[s[i]] = 1;
}

// ---- predictor (same rules as x86-predict.ts) ----

static int seg_by_addr(const seg_t *s, int n, int64_t v) {
  int lo = 0, hi = n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) >> 1;
    if (v < s[mid].vaddr) hi = mid - 1;
    else if (v >= s[mid].vaddr + s[mid].mem) lo = mid + 1;
    else return mid;
  }
  return -1;
}
static int seg_by_off(const seg_t *s, int n, int64_t x) {
  int lo = 0, hi = n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) >> 1;
    if (x < s[mid].off) hi = mid - 1;
    else if (x >= s[mid].off + s[mid].size) lo = mid + 1;
    else return mid;
  }
  return -1;
}
static int seg_from(const seg_t *s, int n, int64_t x) {
  int lo = 0, hi = n;
  while (lo < hi) {
    int mid = (lo + hi) >> 1;
    if (s[mid].off + s[mid].size <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}
#define MAX_SAFE 9007199254740991LL
static int64_t map_addr(const pred_t *p, int64_t t) {
  if (t < p->lowv || t >= p->highv) return -1;
  int j = seg_by_addr(p->os, p->on, t);
  if (j < 0) return -1;
  const seg_t *s = &p->os[j];
  if (t < s->vaddr + s->size) {
    int64_t x = t - s->vaddr + s->off;
    int64_t lo = 0, hi = p->nr;
    while (lo < hi) {
      int64_t mid = (lo + hi) >> 1;
      if (p->byold[mid].old <= x) lo = mid + 1; else hi = mid;
    }
    int64_t r = lo - 1;
    if (r >= 0 && x < p->byold[r].old + p->byold[r].len) {
      int64_t y = x - p->byold[r].old + p->byold[r].nw;
      int m = seg_by_off(p->ns, p->nn, y);
      if (m >= 0) return y - p->ns[m].off + p->ns[m].vaddr;
    }
  }
  if (j >= p->nn) return -1;
  int64_t moved = t - s->vaddr + p->ns[j].vaddr;
  return moved > MAX_SAFE ? -1 : moved;
}
static inline uint8_t ob(const pred_t *p, int64_t i) { return i < p->oldn ? p->old[i] : 0; }

// Rewrites the references of region (o -> n, len) in buf (which holds old[o, o + len)).
static void predict(const pred_t *p, uint8_t *buf, int64_t o, int64_t n, int64_t len) {
  const uint8_t *old = p->old;
  int64_t i = 0;
  int j = seg_from(p->os, p->on, o);
  while (i < len) {
    if (j >= p->on) break;
    const seg_t *s = &p->os[j];
    int64_t p0 = o + i;
    if (p0 < s->off) { i = s->off - o < len ? s->off - o : len; continue; }
    int64_t se = s->off + s->size - o; if (se > len) se = len;
    if (i >= se) { j++; continue; }
    if (s->exec) {
      for (; i < se; i++) {
        int64_t q0 = o + i;
        uint8_t b = old[q0];
        int f = 0;
        if (b == 0xe8 || b == 0xe9) f = 1;
        else if (b == 0x0f) { uint8_t c = ob(p, q0 + 1); if ((c & 0xf0) == 0x80) f = 2; else if (SSE_OPS[c] && (ob(p, q0 + 2) & 0xc7) == 5) f = 3; }
        else if (b == 0xff) { uint8_t c = ob(p, q0 + 1); if (c == 0x15 || c == 0x25 || c == 0x35) f = 2; }
        else if ((b & 0xf0) == 0x40) { if (MODRM_OPS[ob(p, q0 + 1)] && (ob(p, q0 + 2) & 0xc7) == 5) f = 3; }
        else if (MODRM_OPS[b] && (ob(p, q0 + 1) & 0xc7) == 5) f = 2;
        if (f == 0 || i + f + 4 > len) continue;
        int64_t fp = q0 + f;
        int32_t disp = (int32_t)((uint32_t)old[fp] | ((uint32_t)old[fp + 1] << 8) | ((uint32_t)old[fp + 2] << 16) | ((uint32_t)old[fp + 3] << 24));
        int64_t t2 = map_addr(p, fp + 4 - s->off + s->vaddr + disp);
        if (t2 < 0) continue;
        int64_t q = n + i + f;
        int m = seg_by_off(p->ns, p->nn, q);
        if (m < 0) continue;
        int64_t d2 = t2 - (q + 4 - p->ns[m].off + p->ns[m].vaddr);
        if (d2 < -2147483648LL || d2 >= 2147483648LL) continue;
        uint32_t u = (uint32_t)(int32_t)d2;
        uint8_t *w = buf + i + f;
        w[0] = u & 0xff; w[1] = (u >> 8) & 0xff; w[2] = (u >> 16) & 0xff; w[3] = (u >> 24) & 0xff;
        i += f + 3;
      }
    } else {
      for (i += (8 - (p0 % 8)) % 8; i < se; i += 8) {
        if (i + 8 > len) break;
        int64_t q0 = o + i;
        uint64_t v = 0;
        for (int k = 7; k >= 0; k--) v = (v << 8) | old[q0 + k];
        if ((v >> 32) >= 0x200000) continue;
        int64_t t2 = map_addr(p, (int64_t)v);
        if (t2 < 0) continue;
        uint8_t *w = buf + i;
        for (int k = 0; k < 8; k++) w[k] = ((uint64_t)t2 >> (8 * k)) & 0xff;
      }
      i = se;
    }
  }
}

static int cmp_byold(const void *a, const void *b) {
  const region_t *x = a, *y = b;
  if (x->old != y->old) return x->old < y->old ? -1 : 1;
  return x->nw < y->nw ? -1 : x->nw > y->nw ? 1 : 0;
}
static int prepare_pred(pred_t *p, const region_t *r, int64_t nr) {
  free(p->byold);
  p->byold = malloc((size_t)(nr > 0 ? nr : 1) * sizeof(region_t));
  if (p->byold == NULL) return -1;
  memcpy(p->byold, r, (size_t)nr * sizeof(region_t));
  qsort(p->byold, (size_t)nr, sizeof(region_t), cmp_byold);
  p->nr = nr;
  p->lowv = p->on > 0 ? p->os[0].vaddr : 0;
  p->highv = p->on > 0 ? p->os[p->on - 1].vaddr + p->os[p->on - 1].mem : 0;
  return 0;
}

// ---- matching ----

static int64_t match_len(const uint8_t *a, int64_t an, const uint8_t *b, int64_t bn) {
  int64_t n = an < bn ? an : bn, i = 0;
  while (i < n && a[i] == b[i]) i++;
  return i;
}

// Longest match of nw[0, nn) among the suffixes sa[lo, hi]: its length, and its old offset in *pos.
static int64_t search_range(const int32_t *sa, const uint8_t *old, int64_t oldn, const uint8_t *nw, int64_t nn, int64_t lo, int64_t hi, int64_t *pos) {
  int64_t llo = match_len(old + sa[lo], oldn - sa[lo], nw, nn), lhi = match_len(old + sa[hi], oldn - sa[hi], nw, nn);
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    int64_t common = llo < lhi ? llo : lhi; // every suffix between lo and hi shares this prefix with nw
    int64_t m = common + match_len(old + sa[mid] + common, oldn - sa[mid] - common, nw + common, nn - common);
    if (m == nn || sa[mid] + m == oldn || old[sa[mid] + m] < nw[m]) { lo = mid; llo = m; }
    else { hi = mid; lhi = m; }
  }
  if (llo >= lhi) { *pos = sa[lo]; return llo; }
  *pos = sa[hi]; return lhi;
}

// A suffix array with the first suffix of each K-byte prefix (K = 2, or 3 for texts of 16 MiB and
// more): a search starts inside its prefix's bucket instead of walking the whole array from the top.
// With it, the text's short substrings (see grams_build): g1, g2, g3 hold one bit per 1-, 2- and 3-byte
// string (set when the string occurs), g4 two bits of one word per 4-byte string, by hash; g3 is NULL
// without them.
typedef struct { const int32_t *sa; int32_t *bucket; int k; uint64_t g1[4], g2[1024], *g3, *g4; int g4_bits; } sindex_t;
enum { BUCKET3_FROM = 1 << 24 };
static inline uint32_t prefix_of(const uint8_t *b, int k) { return k == 3 ? (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2] : (uint32_t)b[0] << 8 | b[1]; }

// bucket[p] is where the suffixes of at least K bytes starting with p begin in sa: those with a
// smaller prefix, plus the shorter suffixes that sort before p (a suffix shorter than K sorts just
// before the suffixes it is a prefix of; it may end up at the end of the previous bucket's range,
// which leaves every range sorted and holding all of its prefix's suffixes).
static int index_build(sindex_t *ix, const int32_t *sa, const uint8_t *t, int64_t n) {
  ix->sa = sa;
  ix->k = n >= BUCKET3_FROM ? 3 : 2;
  size_t m = (size_t)1 << (8 * ix->k);
  ix->bucket = calloc(m + 1, sizeof(int32_t));
  if (ix->bucket == NULL) return -1;
  for (int64_t i = 0; i + ix->k <= n; i++) ix->bucket[prefix_of(t + i, ix->k) + 1]++;
  for (int len = 1; len < ix->k && len <= n; len++) {
    uint32_t padded = 0;
    for (int j = 0; j < ix->k; j++) padded = padded << 8 | (j < len ? t[n - len + j] : 0);
    ix->bucket[padded]++;
  }
  for (size_t p = 1; p <= m; p++) ix->bucket[p] += ix->bucket[p - 1];
  return 0;
}

// Longest match of nw[0, nn) among the old file's suffixes: its length, and its old offset in *pos.
// The same answer as a search of the whole array: the bucket and one suffix on each side bracket the
// same final pair of neighbours (a longest match of K bytes or more is in the bucket).
static int64_t search(const sindex_t *ix, const uint8_t *old, int64_t oldn, const uint8_t *nw, int64_t nn, int64_t *pos) {
  if (nn >= ix->k) {
    uint32_t p = prefix_of(nw, ix->k);
    int64_t lo = ix->bucket[p], hi = ix->bucket[p + 1];
    if (lo < hi) {
      if (lo > 0) lo--;
      if (hi > oldn - 1) hi = oldn - 1;
      int64_t len = search_range(ix->sa, old, oldn, nw, nn, lo, hi, pos);
      if (len >= ix->k) return len;
    }
  }
  return search_range(ix->sa, old, oldn, nw, nn, 0, oldn - 1, pos);
}

// ---- the short-substring filter ----
// Most of the matcher's time on data that matches nothing (compressed or encrypted payloads: 94% of
// some shared objects) goes to searching the suffix array at every byte for a match of two or three
// bytes that nothing uses. The filter answers those searches without the array: the longest match of
// nw among the old suffixes is the longest prefix of nw that occurs in the old text, and whether a
// 1-, 2- or 3-byte string occurs is an exact bit (2 MiB for all 3-byte strings); a 4-byte string is
// looked up by a hash of it, which may answer "occurs" wrongly but never "does not" (1.6% of the
// positions of swc's compressed payload still reach the array). So where the
// 4-byte bit is clear, the longest match is exactly the longest of the three shorter strings that
// occurs: the same length the search gives. Where it is set, the suffix array is searched as before.
// The answer carries a length only: find_regions uses a match's position only when the match starts a
// region, and then searches for it. So the regions, and every byte of the output, are those of the
// search alone (checked on real pairs and in exediff-grams.test.ts), on any data.
enum { G4_MIN_BITS = 16, G4_MAX_BITS = 27 };
static inline int has_bit(const uint64_t *set, uint32_t i) { return (int)(set[i >> 6] >> (i & 63)) & 1; }
static inline void set_bit(uint64_t *set, uint32_t i) { set[i >> 6] |= (uint64_t)1 << (i & 63); }
// A 4-byte string sets two bits of one 64-bit word of g4 (one memory access per lookup): the word is
// chosen by the high bits of one hash, the two bits by another.
static inline uint64_t gram4_hash(uint32_t x, int bits) { return ((uint64_t)x * 0x9E3779B97F4A7C15ull) >> (64 - bits); }
static inline uint64_t gram4_mask(uint32_t x) { uint32_t h = x * 0x85EBCA6Bu; return (uint64_t)1 << (h >> 26) | (uint64_t)1 << ((h >> 20) & 63); }
static inline int has_gram4(const uint64_t *g4, int bits, uint32_t x) { uint64_t m = gram4_mask(x); return (g4[gram4_hash(x, bits - 6)] & m) == m; }

// Fills the filter of t[0, n) (a string occurs when it lies wholly inside t). g4 has about 8 bits per
// byte of text (2^16 to 2^27 bits: at most 16 MiB, within the encoder's fixed allowance beside the
// bucket table, exediffMemory in exediff-encode.ts).
static int grams_build(sindex_t *ix, const uint8_t *t, int64_t n) {
  int bits = G4_MIN_BITS;
  while (bits < G4_MAX_BITS && ((int64_t)1 << bits) < 8 * n) bits++;
  ix->g3 = calloc((size_t)1 << 18, sizeof(uint64_t));
  ix->g4 = calloc((size_t)1 << (bits - 6), sizeof(uint64_t));
  if (ix->g3 == NULL || ix->g4 == NULL) return -1;
  ix->g4_bits = bits;
  uint32_t x = 0;
  for (int64_t i = 0; i < n; i++) {
    // The bits of the string 16 bytes on are fetched ahead: the sets are far larger than the caches.
    if (i + 19 < n) {
      uint32_t y = (uint32_t)t[i + 16] << 24 | (uint32_t)t[i + 17] << 16 | (uint32_t)t[i + 18] << 8 | t[i + 19];
      __builtin_prefetch(&ix->g4[gram4_hash(y, bits - 6)], 1);
      __builtin_prefetch(&ix->g3[y >> 14], 1);
    }
    x = x << 8 | t[i];
    set_bit(ix->g1, t[i]);
    if (i >= 1) set_bit(ix->g2, x & 0xffff);
    if (i >= 2) set_bit(ix->g3, x & 0xffffff);
    if (i >= 3) ix->g4[gram4_hash(x, bits - 6)] |= gram4_mask(x);
  }
  return 0;
}

// Fetches the bits short_match(ix, nw, 4 or more) reads, GRAMS_AHEAD bytes before they are needed.
enum { GRAMS_AHEAD = 16 };
static inline void grams_prefetch(const sindex_t *ix, const uint8_t *nw) {
  uint32_t y = (uint32_t)nw[0] << 24 | (uint32_t)nw[1] << 16 | (uint32_t)nw[2] << 8 | nw[3];
  __builtin_prefetch(&ix->g3[y >> 14]);
  __builtin_prefetch(&ix->g4[gram4_hash(y, ix->g4_bits - 6)]);
}

static void index_free(sindex_t *ix) {
  free(ix->bucket); free(ix->g3); free(ix->g4);
  ix->bucket = NULL; ix->g3 = NULL; ix->g4 = NULL;
}

// The exact length of the longest match of nw[0, nn) (nn >= 1) among the old suffixes when the filter
// proves it below 4, else -1 (search the suffix array).
static inline int64_t short_match(const sindex_t *ix, const uint8_t *nw, int64_t nn) {
  if (!has_bit(ix->g1, nw[0])) return 0;
  if (nn < 2 || !has_bit(ix->g2, (uint32_t)nw[0] << 8 | nw[1])) return 1;
  uint32_t x = (uint32_t)nw[0] << 16 | (uint32_t)nw[1] << 8 | nw[2 < nn ? 2 : 1];
  if (nn < 3 || !has_bit(ix->g3, x)) return 2;
  if (nn < 4 || !has_gram4(ix->g4, ix->g4_bits, x << 8 | nw[3])) return 3;
  return -1;
}

typedef struct { region_t *r; int64_t n, cap; } regions_t;
static int push(regions_t *v, int64_t nw, int64_t old, int64_t len) {
  if (v->n == v->cap) {
    int64_t cap = v->cap ? v->cap * 2 : 1024;
    region_t *r = realloc(v->r, (size_t)cap * sizeof(region_t));
    if (r == NULL) return -1;
    v->r = r; v->cap = cap;
  }
  v->r[v->n++] = (region_t){nw, old, len};
  return 0;
}

// Approximate matching over new[start, end): exact matches found through the suffix array seed regions;
// each region is then extended forward and backward along its diagonal while at least half of the bytes
// agree (the rest goes to the diff stream), and regions never overlap in the new file nor leave the range.
static int find_regions(const sindex_t *sa, const uint8_t *old, int64_t oldn, const uint8_t *nw, int64_t start, int64_t nn, int64_t min_match, regions_t *out) {
  int64_t scan = start, len = 0, pos = 0, last_scan = start, last_pos = start < oldn ? start : oldn, last_off = last_pos - start;
  while (scan < nn) {
    int64_t old_score = 0, scsc;
    for (scsc = scan += len; scan < nn; scan++) {
      int64_t known = -1;
      if (sa->g3 != NULL) {
        if (scan + GRAMS_AHEAD + 4 <= nn) grams_prefetch(sa, nw + scan + GRAMS_AHEAD);
        known = short_match(sa, nw + scan, nn - scan);
      }
      len = known >= 0 ? known : search(sa, old, oldn, nw + scan, nn - scan, &pos);
      for (; scsc < scan + len; scsc++)
        if (scsc + last_off >= 0 && scsc + last_off < oldn && old[scsc + last_off] == nw[scsc]) old_score++;
      if ((len == old_score && len != 0) || len > old_score + min_match) {
        // A match that starts a region needs its position (the same search finds the same length).
        if (known >= 0 && len != old_score) search(sa, old, oldn, nw + scan, nn - scan, &pos);
        break;
      }
      if (scan + last_off >= 0 && scan + last_off < oldn && old[scan + last_off] == nw[scan]) old_score--;
    }
    if (len != old_score || scan == nn) {
      // Forward extension of the previous region from last_scan along last_off.
      int64_t s = 0, sf = 0, lenf = 0;
      for (int64_t i = 0; last_scan + i < scan && last_pos + i < oldn; ) {
        if (old[last_pos + i] == nw[last_scan + i]) s++;
        i++;
        if (s * 2 - i > sf * 2 - lenf) { sf = s; lenf = i; }
      }
      // Backward extension of the new match from scan along pos - scan.
      int64_t lenb = 0;
      if (scan < nn) {
        int64_t sbest = 0;
        s = 0;
        for (int64_t i = 1; scan >= last_scan + i && pos >= i; i++) {
          if (old[pos - i] == nw[scan - i]) s++;
          if (s * 2 - i > sbest * 2 - lenb) { sbest = s; lenb = i; }
        }
      }
      // Overlap: split where the forward region's agreement minus the backward one's is best.
      if (last_scan + lenf > scan - lenb) {
        int64_t overlap = (last_scan + lenf) - (scan - lenb), ss = 0, best = 0, lens = 0;
        for (int64_t i = 0; i < overlap; i++) {
          if (nw[last_scan + lenf - overlap + i] == old[last_pos + lenf - overlap + i]) ss++;
          if (nw[scan - lenb + i] == old[pos - lenb + i]) ss--;
          if (ss > best) { best = ss; lens = i + 1; }
        }
        lenf += lens - overlap;
        lenb -= lens;
      }
      if (lenf > 0 && push(out, last_scan, last_pos, lenf) != 0) return -1;
      last_scan = scan - lenb;
      last_pos = pos - lenb;
      last_off = pos - scan;
    }
  }
  return 0;
}

// The new file is matched in PIECES ranges of equal size (a fixed number for a given size, so the
// regions do not depend on how many threads run them), by up to MAX_THREADS threads that share the
// read-only suffix array: matching is most of the encoder's time on large files.
enum { PIECE_MIN = 4 << 20, MAX_PIECES = 16, MAX_THREADS = 4 };
typedef struct {
  const sindex_t *sa; const uint8_t *old, *nw; int64_t oldn, start, nn, min_match;
  int pieces; regions_t *out; int *status;
  pthread_mutex_t lock; int next;
} match_job_t;

static void *match_worker(void *arg) {
  match_job_t *j = arg;
  for (;;) {
    pthread_mutex_lock(&j->lock);
    int k = j->next++;
    pthread_mutex_unlock(&j->lock);
    if (k >= j->pieces) return NULL;
    int64_t span = j->nn - j->start, a = j->start + span * k / j->pieces, b = j->start + span * (k + 1) / j->pieces;
    j->status[k] = find_regions(j->sa, j->old, j->oldn, j->nw, a, b, j->min_match, &j->out[k]);
  }
}

// Matches new[start, nn) against old, appending the regions to `out` in new order.
static int match_all(const sindex_t *sa, const uint8_t *old, int64_t oldn, const uint8_t *nw, int64_t start, int64_t nn, int64_t min_match, regions_t *out) {
  int pieces = (int)((nn - start) / PIECE_MIN);
  if (pieces < 1) pieces = 1;
  if (pieces > MAX_PIECES) pieces = MAX_PIECES;
  regions_t parts[MAX_PIECES] = {{0}};
  int status[MAX_PIECES] = {0};
  match_job_t job = {sa, old, nw, oldn, start, nn, min_match, pieces, parts, status, PTHREAD_MUTEX_INITIALIZER, 0};
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
  if (threads > pieces) threads = pieces;
  pthread_t tid[MAX_THREADS];
  int started = 0;
  for (; started < threads - 1; started++)
    if (pthread_create(&tid[started], NULL, match_worker, &job) != 0) break;
  match_worker(&job);
  for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
  int rc = 0;
  for (int k = 0; k < pieces; k++) {
    if (status[k] != 0) rc = -1;
    for (int64_t i = 0; rc == 0 && i < parts[k].n; i++)
      if (push(out, parts[k].r[i].nw, parts[k].r[i].old, parts[k].r[i].len) != 0) rc = -1;
    free(parts[k].r);
  }
  return rc;
}

// A second matching pass for the data segments (not executable) of the new file. Raw bytes align a
// table of pointers with the wrong old entries: after code moved, an old entry holding the value that a
// new entry holds is another entry (a relocation table shows it best). So the old data segments are
// rewritten as the predictor would rewrite them under the first pass's regions (each aligned 64-bit
// address mapped to where it went), a suffix array is built over those rewritten bytes only, and the new
// data segments are matched against them; their first-pass candidates are replaced. `first` holds the
// first pass's candidates (new order), `sel` the regions selected from them (p is prepared with them).
typedef struct { int64_t at, old, size; } piece_t; // rewritten buffer offset -> old file offset
static int data_pass(pred_t *p, const regions_t *first, const uint8_t *nw, int64_t min_match, int grams, regions_t *out) {
  int rc = -1;
  uint8_t *buf = NULL; int32_t *sa = NULL; piece_t *map = NULL;
  regions_t found = {0}, second = {0};
  sindex_t ix = {0};
  int64_t size = 0;
  for (int i = 0; i < p->on; i++) if (!p->os[i].exec) size += p->os[i].size;
  // The buffer and its suffix array (5 bytes per byte) stay within the old file's suffix array (4 per
  // byte) freed before: exediffMemory in exediff-encode.ts counts on it.
  if (size < MIN_REGION || 5 * size > 4 * p->oldn) return 1;
  map = malloc(sizeof(piece_t) * (size_t)(p->on + 1));
  buf = malloc((size_t)size);
  sa = malloc((size_t)size * sizeof(int32_t));
  if (map == NULL || buf == NULL || sa == NULL) goto done;
  int pieces = 0;
  int64_t at = 0;
  for (int i = 0; i < p->on; i++) {
    const seg_t *s = &p->os[i];
    if (s->exec || s->size == 0) continue;
    memcpy(buf + at, p->old + s->off, (size_t)s->size);
    // The predictor's rule for data: 8-aligned old offsets whose u64 is below 2^53 and maps.
    for (int64_t x = s->off + (8 - s->off % 8) % 8; x + 8 <= s->off + s->size; x += 8) {
      uint64_t v = 0;
      for (int k = 7; k >= 0; k--) v = (v << 8) | p->old[x + k];
      if ((v >> 32) >= 0x200000) continue;
      int64_t t2 = map_addr(p, (int64_t)v);
      if (t2 < 0) continue;
      for (int k = 0; k < 8; k++) buf[at + x - s->off + k] = ((uint64_t)t2 >> (8 * k)) & 0xff;
    }
    map[pieces++] = (piece_t){at, s->off, s->size};
    at += s->size;
  }
  if (divsufsort(buf, sa, (saidx_t)size) != 0 || index_build(&ix, sa, buf, size) != 0 || (grams && grams_build(&ix, buf, size) != 0)) goto done;
  // The new data segments against the rewritten buffer, in file order; the regions go back to old
  // offsets, cut where the buffer joins two old segments.
  for (int m = 0; m < p->nn; m++) {
    const seg_t *s = &p->ns[m];
    if (s->exec || s->size == 0) continue;
    found.n = 0;
    if (match_all(&ix, buf, size, nw, s->off, s->off + s->size, min_match, &found) != 0) goto done;
    for (int64_t i = 0; i < found.n; i++) {
      region_t r = found.r[i];
      int j = 0;
      while (r.len > 0) {
        while (j + 1 < pieces && map[j + 1].at <= r.old) j++;
        int64_t room = map[j].at + map[j].size - r.old, len = r.len < room ? r.len : room;
        if (push(&second, r.nw, r.old - map[j].at + map[j].old, len) != 0) goto done;
        r.nw += len; r.old += len; r.len -= len;
      }
    }
  }
  // First-pass candidates minus the new data segments, merged with the second pass's in new order.
  int64_t k = 0;
  for (int64_t i = 0; i < first->n; i++) {
    int64_t s0 = first->r[i].nw, e0 = s0 + first->r[i].len, d = first->r[i].old - s0;
    for (int m = 0; m <= p->nn && s0 < e0; m++) {
      int data = m < p->nn && !p->ns[m].exec && p->ns[m].size > 0;
      if (m < p->nn && !data) continue;
      int64_t a = m < p->nn ? p->ns[m].off : e0, b = m < p->nn ? p->ns[m].off + p->ns[m].size : e0;
      if (b <= s0) continue;
      int64_t e1 = a < e0 ? a : e0;
      if (e1 > s0) {
        for (; k < second.n && second.r[k].nw < s0; k++) if (push(out, second.r[k].nw, second.r[k].old, second.r[k].len) != 0) goto done;
        if (push(out, s0, s0 + d, e1 - s0) != 0) goto done;
      }
      if (b > s0) s0 = b;
    }
  }
  for (; k < second.n; k++) if (push(out, second.r[k].nw, second.r[k].old, second.r[k].len) != 0) goto done;
  rc = 0;
done:
  free(buf); free(sa); index_free(&ix); free(map); free(found.r); free(second.r);
  return rc;
}

// Cost selection: each candidate region is cut into the pieces that pay for themselves. A byte the
// prediction gets right earns what it would cost as a literal (compressed code is about a third of its
// size); a byte it misses earns that too but costs its byte in the compressed diff stream; each kept
// piece costs its controls. The pieces maximising earnings minus costs are found exactly (a two-state
// dynamic programme over the region's bytes; a tie keeps the current state); pieces copying fewer than
// MIN_REGION bytes become literals. `choice` has room for the longest region.
static int select_regions(pred_t *p, const regions_t *in, regions_t *out, const uint8_t *nw, uint8_t *tmp, uint8_t *choice, double lit_cost, double miss_cost, double ctrl_cost) {
  if (prepare_pred(p, in->r, in->n) != 0) return -1;
  for (int64_t i = 0; i < in->n; i++) {
    const region_t r = in->r[i];
    if (r.len < MIN_REGION) continue;
    memcpy(tmp, p->old + r.old, (size_t)r.len);
    if (p->on > 0) predict(p, tmp, r.old, r.nw, r.len);
    // inside: best value with byte k in a piece; outside: best value with byte k a literal.
    // choice bit 0: the piece holding k opened at k; bit 1: outside at k came from inside at k - 1.
    double inside = -1e300, outside = 0;
    for (int64_t k = 0; k < r.len; k++) {
      double g = tmp[k] == nw[r.nw + k] ? lit_cost : lit_cost - miss_cost;
      double open = outside - ctrl_cost;
      uint8_t c = 0;
      double ni = inside >= open ? inside + g : (c |= 1, open + g);
      double no = outside >= inside ? outside : (c |= 2, inside);
      inside = ni; outside = no; choice[k] = c;
    }
    // Walk back from the better end state, collecting pieces (in reverse order).
    int64_t first = out->n, end = -1;
    int in_piece = inside > outside;
    for (int64_t k = r.len - 1; k >= 0; k--) {
      if (in_piece) {
        if (end < 0) end = k + 1;
        if (choice[k] & 1) {
          if (end - k >= MIN_REGION && push(out, r.nw + k, r.old + k, end - k) != 0) return -1;
          end = -1; in_piece = 0;
        }
      } else if (choice[k] & 2) in_piece = 1;
    }
    for (int64_t a = first, b = out->n - 1; a < b; a++, b--) { region_t t = out->r[a]; out->r[a] = out->r[b]; out->r[b] = t; }
  }
  return 0;
}

static void put_varint(uint8_t **w, uint64_t v) {
  while (v >= 0x80) { *(*w)++ = (uint8_t)(v | 0x80); v >>= 7; }
  *(*w)++ = (uint8_t)v;
}

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "servicepack exediff: " #call); goto out; } } while (0)

// exediff(old: Uint8Array, new: Uint8Array, layout: Float64Array, costs: Float64Array [minMatch, lit, miss, ctrl, filter?])
//   -> [controls: Buffer, diff: Buffer, extra: Buffer, regions: number]
static napi_value exediff(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result = NULL;
  int32_t *sa = NULL; uint8_t *diff = NULL, *extra = NULL, *ctl = NULL;
  regions_t regs = {0}, kept = {0};
  sindex_t ix = {0};
  pred_t pred = {0};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type t0, t1, t2, t3;
  size_t on, nn, ln, cn;
  void *od, *nd, *ld, *cd;
  CHECK(napi_get_typedarray_info(env, argv[0], &t0, &on, &od, NULL, NULL));
  CHECK(napi_get_typedarray_info(env, argv[1], &t1, &nn, &nd, NULL, NULL));
  CHECK(napi_get_typedarray_info(env, argv[2], &t2, &ln, &ld, NULL, NULL));
  CHECK(napi_get_typedarray_info(env, argv[3], &t3, &cn, &cd, NULL, NULL));
  if (t0 != napi_uint8_array || t1 != napi_uint8_array || t2 != napi_float64_array || t3 != napi_float64_array || (cn != 4 && cn != 5) || ln < 2 || on < 1 || on > INT32_MAX) {
    napi_throw_type_error(env, NULL, "exediff(Uint8Array old (1 byte to 2 GiB), Uint8Array new, Float64Array layout, Float64Array costs)");
    goto out;
  }
  const uint8_t *old = od, *nw = nd;
  const double *lay = ld, *cost = cd;
  int grams = cn < 5 || cost[4] != 0; // the short-substring filter: on unless costs[4] is 0 (tests compare both)
  pred.old = old; pred.oldn = (int64_t)on;
  pred.on = (int)lay[0]; pred.nn = (int)lay[1];
  if (ln != 2 + 5 * (size_t)(pred.on + pred.nn)) { napi_throw_type_error(env, NULL, "exediff: layout length"); goto out; }
  pred.os = calloc((size_t)pred.on + 1, sizeof(seg_t)); pred.ns = calloc((size_t)pred.nn + 1, sizeof(seg_t));
  if (pred.os == NULL || pred.ns == NULL) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  for (int i = 0; i < pred.on + pred.nn; i++) {
    const double *d = lay + 2 + 5 * i;
    seg_t *s = i < pred.on ? &pred.os[i] : &pred.ns[i - pred.on];
    *s = (seg_t){(int64_t)d[0], (int64_t)d[1], (int64_t)d[2], (int64_t)d[3], d[4] != 0};
  }
  init_tables();
  sa = malloc(on * sizeof(int32_t));
  if (sa == NULL) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  if (divsufsort(old, sa, (saidx_t)on) != 0) { napi_throw_error(env, NULL, "exediff: divsufsort failed"); goto out; }
  if (index_build(&ix, sa, old, (int64_t)on) != 0 || (grams && grams_build(&ix, old, (int64_t)on) != 0)) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  if (match_all(&ix, old, (int64_t)on, nw, 0, (int64_t)nn, (int64_t)cost[0], &regs) != 0) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  free(sa); sa = NULL; index_free(&ix); // the suffix array is not needed past matching: free it before the output is built
  diff = malloc(nn + 1); extra = malloc(nn + 1);
  if (diff == NULL || extra == NULL) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  if (pred.on > 0 && pred.nn > 0) {
    // Data segments matched again against the old ones as the first pass's regions predict them.
    regions_t both = {0};
    int rc = select_regions(&pred, &regs, &kept, nw, diff, extra, cost[1], cost[2], cost[3]);
    if (rc == 0) rc = prepare_pred(&pred, kept.r, kept.n);
    if (rc == 0) rc = data_pass(&pred, &regs, nw, (int64_t)cost[0], grams, &both);
    free(kept.r); kept = (regions_t){0};
    if (rc < 0) { free(both.r); napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
    if (rc == 0) { free(regs.r); regs = both; } else free(both.r);
  }
  // The longest candidate bounds the choice table; `extra` is free until the streams are written.
  if (select_regions(&pred, &regs, &kept, nw, diff, extra, cost[1], cost[2], cost[3]) != 0) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  free(regs.r); regs = kept; kept = (regions_t){0};
  int64_t nr = regs.n;
  if (prepare_pred(&pred, regs.r, nr) != 0) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  ctl = malloc((size_t)(nr > 0 ? nr : 1) * 3 * 10);
  if (ctl == NULL) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  uint8_t *w = ctl;
  int64_t pos = 0, ne = 0, nd_ = 0, old_end = 0;
  for (int64_t i = 0; i < nr; i++) put_varint(&w, (uint64_t)(regs.r[i].nw - (i == 0 ? 0 : regs.r[i - 1].nw + regs.r[i - 1].len)));
  for (int64_t i = 0; i < nr; i++) put_varint(&w, (uint64_t)regs.r[i].len);
  for (int64_t i = 0; i < nr; i++) {
    int64_t d = regs.r[i].old - old_end;
    put_varint(&w, d >= 0 ? (uint64_t)d * 2 : (uint64_t)(-d) * 2 - 1);
    old_end = regs.r[i].old + regs.r[i].len;
  }
  for (int64_t i = 0; i < nr; i++) {
    region_t *r = &regs.r[i];
    memcpy(extra + ne, nw + pos, (size_t)(r->nw - pos)); ne += r->nw - pos;
    uint8_t *dd = diff + nd_;
    memcpy(dd, old + r->old, (size_t)r->len);
    if (pred.on > 0) predict(&pred, dd, r->old, r->nw, r->len);
    for (int64_t k = 0; k < r->len; k++) dd[k] = (uint8_t)(nw[r->nw + k] - dd[k]);
    nd_ += r->len;
    pos = r->nw + r->len;
  }
  memcpy(extra + ne, nw + pos, nn - (size_t)pos); ne += (int64_t)nn - pos;
  napi_value vc, vd, ve, vn;
  CHECK(napi_create_buffer_copy(env, (size_t)(w - ctl), ctl, NULL, &vc));
  CHECK(napi_create_buffer_copy(env, (size_t)nd_, diff, NULL, &vd));
  CHECK(napi_create_buffer_copy(env, (size_t)ne, extra, NULL, &ve));
  CHECK(napi_create_double(env, (double)nr, &vn));
  CHECK(napi_create_array_with_length(env, 4, &result));
  CHECK(napi_set_element(env, result, 0, vc));
  CHECK(napi_set_element(env, result, 1, vd));
  CHECK(napi_set_element(env, result, 2, ve));
  CHECK(napi_set_element(env, result, 3, vn));
out:
  index_free(&ix); free(sa); free(diff); free(extra); free(ctl); free(regs.r); free(kept.r); free(pred.byold); free(pred.os); free(pred.ns);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "exediff", NAPI_AUTO_LENGTH, exediff, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "exediff", fn) != napi_ok) return NULL;
  return exports;
}
