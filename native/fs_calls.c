/* The *at family: every file operation relative to a folder fd, so no path is resolved twice. */
#define _GNU_SOURCE
#include "fs_calls.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "napi_args.h"

/* Retries a call interrupted by a signal; leaves errno as the call set it. */
#define RETRY(expr) ({ long _r; do { _r = (long)(expr); } while (_r == -1 && errno == EINTR); _r; })

/* openat(dirfd, path, flags, mode) -> fd */
static napi_value call_openat(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t dirfd, flags;
  uint32_t mode;
  epq_path path;
  if (!epq_args(env, info, 4, argv) || !epq_int(env, argv[0], "dirfd", &dirfd) || !epq_int(env, argv[2], "flags", &flags) ||
      !epq_uint(env, argv[3], "mode", &mode) || !epq_path_get(env, argv[1], "path", &path)) return NULL;
  long fd = RETRY(openat(dirfd, path.bytes, flags | O_CLOEXEC, (mode_t)mode));
  int err = errno;
  if (fd < 0) epq_throw_errno(env, err, "openat", path.bytes, NULL);
  epq_path_free(&path);
  return fd < 0 ? NULL : epq_number(env, (double)fd);
}

/* openat2(dirfd, path, flags, mode, resolve) -> fd; ENOSYS where the kernel lacks it (before 5.6). */
static napi_value call_openat2(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t dirfd, flags;
  uint32_t mode;
  uint64_t resolve;
  epq_path path;
  if (!epq_args(env, info, 5, argv) || !epq_int(env, argv[0], "dirfd", &dirfd) || !epq_int(env, argv[2], "flags", &flags) ||
      !epq_uint(env, argv[3], "mode", &mode) || !epq_u64(env, argv[4], "resolve", &resolve) ||
      !epq_path_get(env, argv[1], "path", &path)) return NULL;
  struct open_how how = {
    .flags = (uint64_t)(uint32_t)(flags | O_CLOEXEC),
    /* openat2 refuses a mode without O_CREAT/O_TMPFILE. */
    .mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
    .resolve = resolve,
  };
  long fd = RETRY(syscall(SYS_openat2, dirfd, path.bytes, &how, sizeof how));
  int err = errno;
  if (fd < 0) epq_throw_errno(env, err, "openat2", path.bytes, NULL);
  epq_path_free(&path);
  return fd < 0 ? NULL : epq_number(env, (double)fd);
}

static napi_value stat_object(napi_env env, const struct stat *st) {
  napi_value out;
  napi_create_object(env, &out);
  epq_set(env, out, "dev", epq_bigint(env, (int64_t)st->st_dev));
  epq_set(env, out, "ino", epq_bigint(env, (int64_t)st->st_ino));
  epq_set(env, out, "mode", epq_number(env, st->st_mode));
  epq_set(env, out, "nlink", epq_number(env, (double)st->st_nlink));
  epq_set(env, out, "uid", epq_number(env, st->st_uid));
  epq_set(env, out, "gid", epq_number(env, st->st_gid));
  epq_set(env, out, "size", epq_number(env, (double)st->st_size));
  epq_set(env, out, "atimeNs", epq_bigint(env, (int64_t)st->st_atim.tv_sec * 1000000000LL + st->st_atim.tv_nsec));
  epq_set(env, out, "mtimeNs", epq_bigint(env, (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec));
  epq_set(env, out, "ctimeNs", epq_bigint(env, (int64_t)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec));
  return out;
}

/* fstatat(dirfd, path, flags) -> stat with nanosecond times; path "" with AT_EMPTY_PATH stats dirfd. */
static napi_value call_fstatat(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t dirfd, flags;
  epq_path path;
  if (!epq_args(env, info, 3, argv) || !epq_int(env, argv[0], "dirfd", &dirfd) || !epq_int(env, argv[2], "flags", &flags) ||
      !epq_path_get(env, argv[1], "path", &path)) return NULL;
  struct stat st;
  long r = RETRY(fstatat(dirfd, path.bytes, &st, flags));
  int err = errno;
  if (r < 0) epq_throw_errno(env, err, "fstatat", path.bytes, NULL);
  epq_path_free(&path);
  return r < 0 ? NULL : stat_object(env, &st);
}

/* unlinkat(dirfd, path, flags); AT_REMOVEDIR removes an empty folder. */
static napi_value call_unlinkat(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t dirfd, flags;
  epq_path path;
  if (!epq_args(env, info, 3, argv) || !epq_int(env, argv[0], "dirfd", &dirfd) || !epq_int(env, argv[2], "flags", &flags) ||
      !epq_path_get(env, argv[1], "path", &path)) return NULL;
  long r = RETRY(unlinkat(dirfd, path.bytes, flags));
  int err = errno;
  if (r < 0) epq_throw_errno(env, err, "unlinkat", path.bytes, NULL);
  epq_path_free(&path);
  return epq_undefined(env);
}

/* mkdirat(dirfd, path, mode) */
static napi_value call_mkdirat(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t dirfd;
  uint32_t mode;
  epq_path path;
  if (!epq_args(env, info, 3, argv) || !epq_int(env, argv[0], "dirfd", &dirfd) || !epq_uint(env, argv[2], "mode", &mode) ||
      !epq_path_get(env, argv[1], "path", &path)) return NULL;
  long r = RETRY(mkdirat(dirfd, path.bytes, (mode_t)mode));
  int err = errno;
  if (r < 0) epq_throw_errno(env, err, "mkdirat", path.bytes, NULL);
  epq_path_free(&path);
  return epq_undefined(env);
}

/* Shared by renameat2 and linkat: (olddirfd, oldpath, newdirfd, newpath, flags). */
static napi_value two_path_call(napi_env env, napi_callback_info info, const char *name, int is_link) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t olddirfd, newdirfd, flags;
  epq_path oldpath, newpath;
  if (!epq_args(env, info, 5, argv) || !epq_int(env, argv[0], "olddirfd", &olddirfd) || !epq_int(env, argv[2], "newdirfd", &newdirfd) ||
      !epq_int(env, argv[4], "flags", &flags) || !epq_path_get(env, argv[1], "oldpath", &oldpath)) return NULL;
  if (!epq_path_get(env, argv[3], "newpath", &newpath)) {
    epq_path_free(&oldpath);
    return NULL;
  }
  long r = is_link ? RETRY(linkat(olddirfd, oldpath.bytes, newdirfd, newpath.bytes, flags))
                   : RETRY(syscall(SYS_renameat2, olddirfd, oldpath.bytes, newdirfd, newpath.bytes, (unsigned)flags));
  int err = errno;
  if (r < 0) epq_throw_errno(env, err, name, oldpath.bytes, newpath.bytes);
  epq_path_free(&oldpath);
  epq_path_free(&newpath);
  return epq_undefined(env);
}

/* renameat2(olddirfd, oldpath, newdirfd, newpath, flags): RENAME_NOREPLACE, RENAME_EXCHANGE. */
static napi_value call_renameat2(napi_env env, napi_callback_info info) {
  return two_path_call(env, info, "renameat2", 0);
}

/* linkat(olddirfd, oldpath, newdirfd, newpath, flags): never replaces an existing name. */
static napi_value call_linkat(napi_env env, napi_callback_info info) {
  return two_path_call(env, info, "linkat", 1);
}

/* fchownat(dirfd, path, uid, gid, flags) */
static napi_value call_fchownat(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t dirfd, uid, gid, flags;
  epq_path path;
  if (!epq_args(env, info, 5, argv) || !epq_int(env, argv[0], "dirfd", &dirfd) || !epq_int(env, argv[2], "uid", &uid) ||
      !epq_int(env, argv[3], "gid", &gid) || !epq_int(env, argv[4], "flags", &flags) ||
      !epq_path_get(env, argv[1], "path", &path)) return NULL;
  long r = RETRY(fchownat(dirfd, path.bytes, (uid_t)uid, (gid_t)gid, flags));
  int err = errno;
  if (r < 0) epq_throw_errno(env, err, "fchownat", path.bytes, NULL);
  epq_path_free(&path);
  return epq_undefined(env);
}

static int read_times(napi_env env, napi_value a, napi_value m, struct timespec ts[2]) {
  int64_t ns[2];
  if (!epq_i64(env, a, "atimeNs", &ns[0]) || !epq_i64(env, m, "mtimeNs", &ns[1])) return 0;
  for (int i = 0; i < 2; i++) {
    /* Floor division, so times before 1970 keep 0 <= tv_nsec < 1e9. */
    int64_t sec = ns[i] / 1000000000LL, nsec = ns[i] % 1000000000LL;
    if (nsec < 0) sec -= 1, nsec += 1000000000LL;
    ts[i].tv_sec = (time_t)sec;
    ts[i].tv_nsec = (long)nsec;
  }
  return 1;
}

/* futimens(fd, atimeNs, mtimeNs): times as nanoseconds since the epoch (bigint). */
static napi_value call_futimens(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t fd;
  struct timespec ts[2];
  if (!epq_args(env, info, 3, argv) || !epq_int(env, argv[0], "fd", &fd) || !read_times(env, argv[1], argv[2], ts)) return NULL;
  long r = RETRY(futimens(fd, ts));
  int err = errno;
  if (r < 0) epq_throw_errno(env, err, "futimens", NULL, NULL);
  return epq_undefined(env);
}

/* utimensat(dirfd, path, atimeNs, mtimeNs, flags) */
static napi_value call_utimensat(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t dirfd, flags;
  struct timespec ts[2];
  epq_path path;
  if (!epq_args(env, info, 5, argv) || !epq_int(env, argv[0], "dirfd", &dirfd) || !read_times(env, argv[2], argv[3], ts) ||
      !epq_int(env, argv[4], "flags", &flags) || !epq_path_get(env, argv[1], "path", &path)) return NULL;
  long r = RETRY(utimensat(dirfd, path.bytes, ts, flags));
  int err = errno;
  if (r < 0) epq_throw_errno(env, err, "utimensat", path.bytes, NULL);
  epq_path_free(&path);
  return epq_undefined(env);
}

/* readlinkat(dirfd, path) -> Buffer: the link's target as bytes. */
static napi_value call_readlinkat(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t dirfd;
  epq_path path;
  if (!epq_args(env, info, 2, argv) || !epq_int(env, argv[0], "dirfd", &dirfd) || !epq_path_get(env, argv[1], "path", &path)) return NULL;
  char target[4096];
  long n = RETRY(readlinkat(dirfd, path.bytes, target, sizeof target));
  int err = errno;
  if (n < 0) epq_throw_errno(env, err, "readlinkat", path.bytes, NULL);
  else if (n == (long)sizeof target) epq_throw_errno(env, ENAMETOOLONG, "readlinkat", path.bytes, NULL);
  epq_path_free(&path);
  if (n < 0 || n == (long)sizeof target) return NULL;
  napi_value out;
  napi_create_buffer_copy(env, (size_t)n, target, NULL, &out);
  return out;
}

void epq_register_fs_calls(napi_env env, napi_value exports) {
  napi_property_descriptor calls[] = {
    {"openat", NULL, call_openat, NULL, NULL, NULL, napi_enumerable, NULL},
    {"openat2", NULL, call_openat2, NULL, NULL, NULL, napi_enumerable, NULL},
    {"fstatat", NULL, call_fstatat, NULL, NULL, NULL, napi_enumerable, NULL},
    {"unlinkat", NULL, call_unlinkat, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mkdirat", NULL, call_mkdirat, NULL, NULL, NULL, napi_enumerable, NULL},
    {"renameat2", NULL, call_renameat2, NULL, NULL, NULL, napi_enumerable, NULL},
    {"linkat", NULL, call_linkat, NULL, NULL, NULL, napi_enumerable, NULL},
    {"readlinkat", NULL, call_readlinkat, NULL, NULL, NULL, napi_enumerable, NULL},
    {"fchownat", NULL, call_fchownat, NULL, NULL, NULL, napi_enumerable, NULL},
    {"futimens", NULL, call_futimens, NULL, NULL, NULL, napi_enumerable, NULL},
    {"utimensat", NULL, call_utimensat, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof calls / sizeof calls[0], calls);
}
