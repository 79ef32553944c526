// servicepack's native holder scan for Linux: the loop of src/platform/linux/scan-range.ts and the raw
// reads of process-facts.ts, in C, on one or two POSIX threads: for read-only callers (`holders`), and
// on the calling thread alone for a transaction's scans, which also ask for places (exe, cwd, root
// under a directory, by path).
// Why: at 2,000 processes the scan is ~0.2 s of kernel work, and in JavaScript each thread adds its
// own cold code and a second V8 isolate (docs/holders.md, "Native scan"). Same rules as the JS scan:
// only stat() and reads, nothing found is executed, loaded or interpreted; a process that vanishes
// counts as vanished, one that refuses (EACCES/EPERM) as denied; any other error fails the scan.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <sys/sysmacros.h>
#include <unistd.h>

// Hold kinds; a larger value is a stronger hold (one per file and process, as in scan-range.ts).
enum { K_CWD = 1, K_ROOT = 2, K_FD = 3, K_MAPPED = 4, K_EXE = 5 };
enum { CHUNK = 32 };

// device (major << 32 | minor) + inode -> index into the caller's file list; open addressing.
typedef struct { uint64_t dev, ino; int index; } slot_t;
typedef struct { slot_t *slots; size_t mask; } keys_t;

typedef struct { char *p; size_t len, cap; } buf_t;
typedef struct { int index, kind; } hold_t;
// A place: kind (K_EXE, K_CWD, K_ROOT) and the link's target, a path under job_t.under.
typedef struct { int kind; char *path; size_t len; } place_t;
typedef struct {
  int pid, nholds, nplaces;
  hold_t *holds;
  place_t places[3];
  int facts; // 1 when the fields below are set
  double ticks;
  char *comm; size_t comm_len;
  double uid;
  buf_t cmdline, cgroup; // p == NULL: reading was not permitted
} found_t;
typedef struct {
  found_t *found; size_t nfound, capfound;
  int *denied; size_t ndenied, capdenied;
  int inspected, vanished;
  int err; char what[96]; // first unexpected error: errno and the file
  buf_t maps, stat; hold_t *holds; size_t capholds;
  char link[PATH_MAX + 1];
  _Alignas(8) char dents[4096];
} part_t;
typedef struct {
  keys_t keys; const int32_t *pids; size_t npids; int facts, procfd, self;
  const char *under; size_t under_len; // places under this directory (NULL: none asked for)
  atomic_size_t next; atomic_int stop;
} job_t;

static uint64_t mix(uint64_t dev, uint64_t ino) {
  uint64_t h = dev * 0x9e3779b97f4a7c15ULL ^ ino * 0xc2b2ae3d27d4eb4fULL;
  return h ^ (h >> 29);
}
static int key_find(const keys_t *k, uint64_t dev, uint64_t ino) {
  for (size_t i = mix(dev, ino) & k->mask;; i = (i + 1) & k->mask) {
    const slot_t *s = &k->slots[i];
    if (s->index < 0) return -1;
    if (s->dev == dev && s->ino == ino) return s->index;
  }
}
// Numbers cross to and from JavaScript as doubles: round here the same way, so both scans agree.
static uint64_t as_js(uint64_t v) { return (uint64_t)(double)v; }
static uint64_t dev_key(dev_t d) { return ((uint64_t)major(d) << 32) | minor(d); }

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *q = realloc(*p, c * size);
  if (q == NULL) return -ENOMEM;
  *p = q; *cap = c;
  return 0;
}

// Reads all of dfd/name into b; 0 or -errno. With short_ends, a read that returns less than asked
// ends the file: only for files the kernel produces whole per read (stat, cgroup: single-record seq
// files; cmdline: filled up to the count asked), as in proc-reader.ts. Never for maps.
static int read_all(int dfd, const char *name, buf_t *b, int short_ends) {
  int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  b->len = 0;
  for (;;) {
    if (b->cap - b->len < 4096 && grow((void **)&b->p, &b->cap, b->len + 4096, 1) < 0) { close(fd); return -ENOMEM; }
    size_t asked = b->cap - b->len;
    ssize_t n = read(fd, b->p + b->len, asked);
    if (n < 0) { int e = errno; close(fd); return -e; }
    b->len += (size_t)n;
    if (n == 0 || (short_ends && (size_t)n < asked)) break;
  }
  close(fd);
  return 0;
}

static void add(part_t *pt, int *nholds, int index, int kind) {
  if (index < 0) return;
  for (int i = 0; i < *nholds; i++) {
    if (pt->holds[i].index == index) { if (kind > pt->holds[i].kind) pt->holds[i].kind = kind; return; }
  }
  if (grow((void **)&pt->holds, &pt->capholds, (size_t)*nholds + 1, sizeof(hold_t)) < 0) return;
  pt->holds[(*nholds)++] = (hold_t){ index, kind };
}

enum { OK = 0, GONE = 1, DENIED = 2, FAILED = 3 };

static int fail(part_t *pt, int e, int pid, const char *name) {
  pt->err = e;
  snprintf(pt->what, sizeof pt->what, "/proc/%d/%s", pid, name);
  return FAILED;
}
// A read of the process's own files: vanished, refused, or an unexpected error.
static int read_error(part_t *pt, int e, int pid, const char *name) {
  if (e == ENOENT || e == ESRCH || e == EIO) return GONE;
  if (e == EACCES || e == EPERM) return DENIED;
  return fail(pt, e, pid, name);
}
// stat() through a magic link: nothing there is no hold; EACCES after maps was readable means the
// process changed credentials mid-scan.
static int stat_hold(const job_t *j, part_t *pt, int *nholds, int dfd, const char *name, int kind, int pid) {
  struct stat st;
  if (fstatat(dfd, name, &st, 0) == 0) { add(pt, nholds, key_find(&j->keys, dev_key(st.st_dev), as_js(st.st_ino)), kind); return OK; }
  int e = errno;
  if (e == EACCES || e == EPERM) return DENIED;
  if (e == ENOENT || e == ESRCH || e == ENOTDIR || e == ELOOP || e == ENXIO || e == EIO) return OK;
  return fail(pt, e, pid, name);
}

static unsigned hexv(char c) { return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10); }

// Each maps line is "addr perms offset major:minor inode path".
static void scan_maps(const job_t *j, part_t *pt, int *nholds) {
  const char *p = pt->maps.p, *end = p + pt->maps.len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL) eol = end;
    int spaces = 0;
    while (p < eol && spaces < 3) if (*p++ == ' ') spaces++;
    uint64_t maj = 0, min = 0, ino = 0;
    while (p < eol && *p != ':') maj = maj * 16 + hexv(*p++);
    if (p < eol) p++;
    while (p < eol && *p != ' ') min = min * 16 + hexv(*p++);
    if (p < eol) p++;
    while (p < eol && *p >= '0' && *p <= '9') ino = ino * 10 + (uint64_t)(*p++ - '0');
    if ((maj | min) != 0) add(pt, nholds, key_find(&j->keys, (maj << 32) | min, as_js(ino)), K_MAPPED);
    p = eol + 1;
  }
}

// The facts' raw reads: stat (comm, start ticks), the owner of /proc/PID, cmdline, cgroup.
// GONE when the process exited meanwhile: it holds nothing any more.
static int read_facts(part_t *pt, found_t *f, int dfd, int pid) {
  int r = read_all(dfd, "stat", &pt->stat, 1);
  if (r == -ENOENT || r == -ESRCH) return GONE;
  if (r < 0) return fail(pt, -r, pid, "stat");
  const char *s = pt->stat.p, *end = s + pt->stat.len;
  const char *open = memchr(s, '(', pt->stat.len), *close = NULL;
  for (const char *q = end; q > s; q--) if (q[-1] == ')') { close = q - 1; break; }
  if (open == NULL || close == NULL || close < open) return fail(pt, EINVAL, pid, "stat");
  const char *q = close + 2;
  for (int k = 0; k < 19 && q < end; q++) if (*q == ' ') k++;
  double ticks = 0;
  while (q < end && *q >= '0' && *q <= '9') ticks = ticks * 10 + (*q++ - '0');
  struct stat st;
  if (fstat(dfd, &st) < 0) return errno == ENOENT || errno == ESRCH ? GONE : fail(pt, errno, pid, "");
  f->ticks = ticks;
  f->uid = (double)st.st_uid;
  f->comm_len = (size_t)(close - open - 1);
  f->comm = malloc(f->comm_len + 1);
  if (f->comm == NULL) return fail(pt, ENOMEM, pid, "stat");
  memcpy(f->comm, open + 1, f->comm_len);
  const char *names[2] = { "cmdline", "cgroup" };
  buf_t *into[2] = { &f->cmdline, &f->cgroup };
  for (int i = 0; i < 2; i++) {
    r = read_all(dfd, names[i], into[i], 1);
    if (r == -EACCES || r == -EPERM) { free(into[i]->p); *into[i] = (buf_t){ 0 }; continue; }
    if (r == -ENOENT || r == -ESRCH) return GONE;
    if (r < 0) return fail(pt, -r, pid, names[i]);
  }
  f->facts = 1;
  return OK;
}

static void free_found(found_t *f) {
  free(f->holds); free(f->comm); free(f->cmdline.p); free(f->cgroup.p);
  for (int i = 0; i < f->nplaces; i++) free(f->places[i].path);
}
static const char DELETED[] = " (deleted)";
// readlink() of a /proc magic link, added to f's places when it is j->under or below it. Nothing there
// (a kernel thread, a process exiting) is no place; "<path> (deleted)" is no longer in the tree.
static int add_place(const job_t *j, part_t *pt, found_t *f, int dfd, const char *name, int kind, int pid) {
  ssize_t n = readlinkat(dfd, name, pt->link, sizeof pt->link - 1);
  if (n < 0) {
    int e = errno;
    if (e == EACCES || e == EPERM) return DENIED;
    if (e == ENOENT || e == ESRCH || e == ENOTDIR || e == ELOOP || e == ENXIO || e == EIO) return OK;
    return fail(pt, e, pid, name);
  }
  size_t len = (size_t)n, dl = sizeof DELETED - 1;
  if (len >= dl && memcmp(pt->link + len - dl, DELETED, dl) == 0) return OK;
  if (len < j->under_len || memcmp(pt->link, j->under, j->under_len) != 0) return OK;
  if (len > j->under_len && pt->link[j->under_len] != '/' && j->under[j->under_len - 1] != '/') return OK;
  char *copy = malloc(len + 1);
  if (copy == NULL) return fail(pt, ENOMEM, pid, name);
  memcpy(copy, pt->link, len);
  f->places[f->nplaces++] = (place_t){ kind, copy, len };
  return OK;
}

static int scan_pid(const job_t *j, part_t *pt, int pid) {
  char name[16];
  snprintf(name, sizeof name, "%d", pid);
  int dfd = openat(j->procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return read_error(pt, errno, pid, "");
  int nholds = 0, r;
  // maps first: it answers "may we look at all?" for the whole process.
  r = read_all(dfd, "maps", &pt->maps, 0);
  if (r < 0) { r = read_error(pt, -r, pid, "maps"); goto done; }
  scan_maps(j, pt, &nholds);
  // A running executable is always mapped too: exe needs a look only when some mapping matched.
  if (nholds > 0 && (r = stat_hold(j, pt, &nholds, dfd, "exe", K_EXE, pid)) != OK) goto done;
  if ((r = stat_hold(j, pt, &nholds, dfd, "cwd", K_CWD, pid)) != OK) goto done;
  if ((r = stat_hold(j, pt, &nholds, dfd, "root", K_ROOT, pid)) != OK) goto done;
  // The fd directory with getdents64 itself: opendir() would add an fstat and an fcntl per process.
  int fdd = openat(dfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fdd < 0) { r = read_error(pt, errno, pid, "fd"); goto done; }
  for (;;) {
    ssize_t n = getdents64(fdd, pt->dents, sizeof pt->dents);
    if (n < 0) { int e = errno; close(fdd); r = read_error(pt, e, pid, "fd"); goto done; }
    if (n == 0) break;
    for (ssize_t at = 0; at < n && r == OK;) {
      const struct dirent64 *d = (const struct dirent64 *)(pt->dents + at);
      at += d->d_reclen;
      if (d->d_name[0] != '.') r = stat_hold(j, pt, &nholds, fdd, d->d_name, K_FD, pid);
    }
    if (r != OK) break;
  }
  close(fdd);
  if (r != OK) goto done;
  found_t f = { .pid = pid, .nholds = nholds };
  if (j->under != NULL) {
    const char *names[3] = { "exe", "cwd", "root" };
    const int kinds[3] = { K_EXE, K_CWD, K_ROOT };
    for (int i = 0; i < 3 && r == OK; i++) r = add_place(j, pt, &f, dfd, names[i], kinds[i], pid);
    if (r != OK) { free_found(&f); goto done; }
  }
  pt->inspected++;
  if (nholds == 0 && f.nplaces == 0) goto done;
  if (j->facts) {
    r = read_facts(pt, &f, dfd, pid);
    if (r != OK) { free_found(&f); r = r == GONE ? OK : r; goto done; }
  }
  f.holds = malloc((size_t)(nholds > 0 ? nholds : 1) * sizeof(hold_t));
  if (f.holds == NULL || grow((void **)&pt->found, &pt->capfound, pt->nfound + 1, sizeof(found_t)) < 0) {
    free_found(&f); r = fail(pt, ENOMEM, pid, ""); goto done;
  }
  memcpy(f.holds, pt->holds, (size_t)nholds * sizeof(hold_t));
  pt->found[pt->nfound++] = f;
done:
  close(dfd);
  return r;
}

static void run(job_t *j, part_t *pt) {
  for (size_t from; !atomic_load(&j->stop) && (from = atomic_fetch_add(&j->next, CHUNK)) < j->npids;) {
    size_t to = from + CHUNK < j->npids ? from + CHUNK : j->npids;
    for (size_t k = from; k < to; k++) {
      int pid = j->pids[k];
      if (pid == j->self) continue;
      int r = scan_pid(j, pt, pid);
      if (r == GONE) pt->vanished++;
      else if (r == DENIED) {
        if (grow((void **)&pt->denied, &pt->capdenied, pt->ndenied + 1, sizeof(int)) < 0) r = fail(pt, ENOMEM, pid, "");
        else pt->denied[pt->ndenied++] = pid;
      }
      if (r == FAILED) { atomic_store(&j->stop, 1); return; }
    }
  }
}

typedef struct { job_t *job; part_t part; } thread_arg_t;
static void *thread_main(void *a) {
  thread_arg_t *t = a;
  run(t->job, &t->part);
  return NULL;
}

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "servicepack native scan: " #call); goto out; } } while (0)

static napi_value num(napi_env env, double v) { napi_value x; napi_create_double(env, v, &x); return x; }

// scanHolds(keys: Float64Array [dev, ino, ...], pids: Int32Array, threads: 1 | 2, facts: boolean, under?: string)
// -> { found: [pid, [index, kind, ...], ticks, comm, uid, cmdline Buffer | null, cgroup Buffer | null, [kind, path, ...]][],
//      denied: number[], inspected, vanished, secondThread (how many of inspected the second thread read) }
// The facts (ticks to cgroup) are there only when asked for; the places (exe, cwd, root links that are
// `under` or below it) only when `under` is given.
static napi_value scan_holds(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], result = NULL;
  char *under = NULL;
  thread_arg_t parts[2];
  memset(parts, 0, sizeof parts);
  int nthreads = 1;
  job_t job;
  memset(&job, 0, sizeof job);
  job.procfd = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *kdata, *pdata;
  size_t klen, plen;
  napi_typedarray_type kt, pt;
  CHECK(napi_get_typedarray_info(env, argv[0], &kt, &klen, &kdata, NULL, NULL));
  CHECK(napi_get_typedarray_info(env, argv[1], &pt, &plen, &pdata, NULL, NULL));
  int32_t threads;
  bool facts;
  CHECK(napi_get_value_int32(env, argv[2], &threads));
  CHECK(napi_get_value_bool(env, argv[3], &facts));
  napi_valuetype ut = napi_undefined;
  if (argc >= 5) CHECK(napi_typeof(env, argv[4], &ut));
  if (ut == napi_string) {
    size_t ulen;
    CHECK(napi_get_value_string_utf8(env, argv[4], NULL, 0, &ulen));
    under = malloc(ulen + 1);
    if (under == NULL) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
    CHECK(napi_get_value_string_utf8(env, argv[4], under, ulen + 1, &ulen));
    if (ulen == 0) { napi_throw_type_error(env, NULL, "scanHolds: an empty directory for places"); goto out; }
    job.under = under; job.under_len = ulen;
  }
  if (kt != napi_float64_array || pt != napi_int32_array || klen % 2 != 0) { napi_throw_type_error(env, NULL, "scanHolds(Float64Array, Int32Array, threads, facts)"); goto out; }
  size_t nkeys = klen / 2, cap = 4;
  while (cap < nkeys * 2) cap *= 2;
  job.keys.slots = malloc(cap * sizeof(slot_t));
  if (job.keys.slots == NULL) { napi_throw_error(env, "ENOMEM", "out of memory"); goto out; }
  for (size_t i = 0; i < cap; i++) job.keys.slots[i].index = -1;
  job.keys.mask = cap - 1;
  const double *kv = kdata;
  for (size_t i = 0; i < nkeys; i++) {
    uint64_t dev = dev_key((dev_t)kv[2 * i]), ino = (uint64_t)kv[2 * i + 1];
    size_t s = mix(dev, ino) & job.keys.mask;
    // Hard links (the same device and inode twice): the last index wins, as in scan-range.ts.
    while (job.keys.slots[s].index >= 0 && !(job.keys.slots[s].dev == dev && job.keys.slots[s].ino == ino)) s = (s + 1) & job.keys.mask;
    job.keys.slots[s] = (slot_t){ dev, ino, (int)i };
  }
  job.pids = pdata; job.npids = plen; job.facts = facts; job.self = getpid();
  job.procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (job.procfd < 0) { napi_throw_error(env, "ENOENT", "/proc is not mounted"); goto out; }
  nthreads = threads == 2 ? 2 : 1;
  for (int i = 0; i < nthreads; i++) parts[i].job = &job;
  // Each part runs on a thread of its own while the calling thread waits, so the calling thread opens
  // nothing under /proc: its system calls are then the same from run to run however many processes
  // come and go (the crash harness aims its kills by the calling thread's call counts:
  // docs/crash-safety.md). A part whose thread cannot be started runs here.
  pthread_t th[2];
  int on_thread[2] = { 0, 0 };
  for (int i = 0; i < nthreads; i++) on_thread[i] = pthread_create(&th[i], NULL, thread_main, &parts[i]) == 0;
  for (int i = 0; i < nthreads; i++) if (!on_thread[i]) run(&job, &parts[i].part);
  for (int i = 0; i < nthreads; i++) if (on_thread[i]) pthread_join(th[i], NULL);
  for (int i = 0; i < nthreads; i++) {
    if (parts[i].part.err != 0) {
      char msg[160];
      snprintf(msg, sizeof msg, "holder scan: %s: %s", parts[i].part.what, strerror(parts[i].part.err));
      napi_throw_error(env, NULL, msg);
      goto out;
    }
  }
  napi_value found, denied;
  CHECK(napi_create_array(env, &found));
  CHECK(napi_create_array(env, &denied));
  uint32_t nf = 0, nd = 0;
  int inspected = 0, vanished = 0;
  for (int i = 0; i < nthreads; i++) {
    part_t *p = &parts[i].part;
    inspected += p->inspected; vanished += p->vanished;
    for (size_t k = 0; k < p->ndenied; k++) CHECK(napi_set_element(env, denied, nd++, num(env, p->denied[k])));
    for (size_t k = 0; k < p->nfound; k++) {
      found_t *f = &p->found[k];
      napi_value rec, holds, v;
      CHECK(napi_create_array_with_length(env, 8, &rec));
      CHECK(napi_create_array_with_length(env, (size_t)f->nholds * 2, &holds));
      for (int h = 0; h < f->nholds; h++) {
        CHECK(napi_set_element(env, holds, (uint32_t)(2 * h), num(env, f->holds[h].index)));
        CHECK(napi_set_element(env, holds, (uint32_t)(2 * h + 1), num(env, f->holds[h].kind)));
      }
      CHECK(napi_set_element(env, rec, 0, num(env, f->pid)));
      CHECK(napi_set_element(env, rec, 1, holds));
      if (f->facts) {
        CHECK(napi_set_element(env, rec, 2, num(env, f->ticks)));
        CHECK(napi_create_string_latin1(env, f->comm, f->comm_len, &v));
        CHECK(napi_set_element(env, rec, 3, v));
        CHECK(napi_set_element(env, rec, 4, num(env, f->uid)));
        buf_t *raw[2] = { &f->cmdline, &f->cgroup };
        for (int b = 0; b < 2; b++) {
          if (raw[b]->p == NULL) CHECK(napi_get_null(env, &v));
          else CHECK(napi_create_buffer_copy(env, raw[b]->len, raw[b]->p, NULL, &v));
          CHECK(napi_set_element(env, rec, (uint32_t)(5 + b), v));
        }
      }
      if (job.under != NULL) {
        napi_value places;
        CHECK(napi_create_array_with_length(env, (size_t)f->nplaces * 2, &places));
        for (int q = 0; q < f->nplaces; q++) {
          CHECK(napi_set_element(env, places, (uint32_t)(2 * q), num(env, f->places[q].kind)));
          CHECK(napi_create_string_utf8(env, f->places[q].path, f->places[q].len, &v));
          CHECK(napi_set_element(env, places, (uint32_t)(2 * q + 1), v));
        }
        CHECK(napi_set_element(env, rec, 7, places));
      }
      CHECK(napi_set_element(env, found, nf++, rec));
    }
  }
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "found", found));
  CHECK(napi_set_named_property(env, result, "denied", denied));
  CHECK(napi_set_named_property(env, result, "inspected", num(env, inspected)));
  CHECK(napi_set_named_property(env, result, "vanished", num(env, vanished)));
  CHECK(napi_set_named_property(env, result, "secondThread", num(env, parts[1].part.inspected)));
out:
  for (int i = 0; i < 2; i++) {
    part_t *p = &parts[i].part;
    for (size_t k = 0; k < p->nfound; k++) free_found(&p->found[k]);
    free(p->found); free(p->denied); free(p->maps.p); free(p->stat.p); free(p->holds);
  }
  free(job.keys.slots);
  free(under);
  if (job.procfd >= 0) close(job.procfd);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "scanHolds", NAPI_AUTO_LENGTH, scan_holds, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "scanHolds", fn) != napi_ok) return NULL;
  return exports;
}
