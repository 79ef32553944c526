// servicepack's exediff encoder (docs/format.md, 'exediff'; the build side only): a suffix array of the
// old file (libdivsufsort), approximate matching that keeps few long regions (a region is kept only when
// its estimated cost in the patch is below that of its bytes as literals), then the x86-64 reference
// predictor of src/format/codecs/x86-predict.ts, applied with exactly the same rules, and the byte-wise
// difference of each region against its prediction. The caller compresses the streams and checks the
// result by decoding it. Deterministic: the suffix array is a total order, every tie is broken by position.
#define NAPI_VERSION 8
#include <node_api.h>

#include <divsufsort.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

// Longest match of nw[0, nn) among the old file's suffixes: its length, and its old offset in *pos.
static int64_t search(const int32_t *sa, const uint8_t *old, int64_t oldn, const uint8_t *nw, int64_t nn, int64_t *pos) {
  int64_t lo = 0, hi = oldn - 1;
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

// Approximate matching: exact matches found through the suffix array seed regions; each region is then
// extended forward and backward along its diagonal while at least half of the bytes agree (the rest
// goes to the diff stream), and regions never overlap in the new file.
static int find_regions(const int32_t *sa, const uint8_t *old, int64_t oldn, const uint8_t *nw, int64_t nn, int64_t min_match, regions_t *out) {
  int64_t scan = 0, len = 0, pos = 0, last_scan = 0, last_pos = 0, last_off = 0;
  while (scan < nn) {
    int64_t old_score = 0, scsc;
    for (scsc = scan += len; scan < nn; scan++) {
      len = search(sa, old, oldn, nw + scan, nn - scan, &pos);
      for (; scsc < scan + len; scsc++)
        if (scsc + last_off >= 0 && scsc + last_off < oldn && old[scsc + last_off] == nw[scsc]) old_score++;
      if ((len == old_score && len != 0) || len > old_score + min_match) break;
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

// Cost selection: a region pays for itself when the bytes its prediction misses (each costs about one
// byte in the compressed diff stream) plus its control entry cost less than its bytes as literals
// (compressed code is about half its size). Regions that do not pay, or copy fewer than MIN_REGION
// bytes, become literals. Returns the new count.
static int64_t select_regions(pred_t *p, region_t *r, int64_t nr, const uint8_t *nw, uint8_t *tmp, double lit_cost, double miss_cost, double ctrl_cost) {
  if (prepare_pred(p, r, nr) != 0) return -1;
  int64_t kept = 0;
  for (int64_t i = 0; i < nr; i++) {
    if (r[i].len < MIN_REGION) continue;
    memcpy(tmp, p->old + r[i].old, (size_t)r[i].len);
    if (p->on > 0) predict(p, tmp, r[i].old, r[i].nw, r[i].len);
    int64_t miss = 0;
    for (int64_t k = 0; k < r[i].len; k++) miss += tmp[k] != nw[r[i].nw + k];
    if ((double)miss * miss_cost + ctrl_cost < (double)r[i].len * lit_cost) r[kept++] = r[i];
  }
  return kept;
}

static void put_varint(uint8_t **w, uint64_t v) {
  while (v >= 0x80) { *(*w)++ = (uint8_t)(v | 0x80); v >>= 7; }
  *(*w)++ = (uint8_t)v;
}

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "servicepack exediff: " #call); goto out; } } while (0)

// exediff(old: Uint8Array, new: Uint8Array, layout: Float64Array, costs: Float64Array [minMatch, lit, miss, ctrl])
//   -> [controls: Buffer, diff: Buffer, extra: Buffer, regions: number]
static napi_value exediff(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result = NULL;
  int32_t *sa = NULL; uint8_t *diff = NULL, *extra = NULL, *ctl = NULL;
  regions_t regs = {0};
  pred_t pred = {0};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type t0, t1, t2, t3;
  size_t on, nn, ln, cn;
  void *od, *nd, *ld, *cd;
  CHECK(napi_get_typedarray_info(env, argv[0], &t0, &on, &od, NULL, NULL));
  CHECK(napi_get_typedarray_info(env, argv[1], &t1, &nn, &nd, NULL, NULL));
  CHECK(napi_get_typedarray_info(env, argv[2], &t2, &ln, &ld, NULL, NULL));
  CHECK(napi_get_typedarray_info(env, argv[3], &t3, &cn, &cd, NULL, NULL));
  if (t0 != napi_uint8_array || t1 != napi_uint8_array || t2 != napi_float64_array || t3 != napi_float64_array || cn != 4 || ln < 2 || on < 1 || on > INT32_MAX) {
    napi_throw_type_error(env, NULL, "exediff(Uint8Array old (1 byte to 2 GiB), Uint8Array new, Float64Array layout, Float64Array costs)");
    goto out;
  }
  const uint8_t *old = od, *nw = nd;
  const double *lay = ld, *cost = cd;
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
  if (find_regions(sa, old, (int64_t)on, nw, (int64_t)nn, (int64_t)cost[0], &regs) != 0) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  free(sa); sa = NULL; // the suffix array is not needed past matching: free it before the output is built
  diff = malloc(nn + 1); extra = malloc(nn + 1);
  if (diff == NULL || extra == NULL) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  int64_t nr = select_regions(&pred, regs.r, regs.n, nw, diff, cost[1], cost[2], cost[3]);
  if (nr < 0 || prepare_pred(&pred, regs.r, nr) != 0) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
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
  free(sa); free(diff); free(extra); free(ctl); free(regs.r); free(pred.byold); free(pred.os); free(pred.ns);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "exediff", NAPI_AUTO_LENGTH, exediff, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "exediff", fn) != napi_ok) return NULL;
  return exports;
}
