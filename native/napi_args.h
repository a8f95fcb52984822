/* Argument reading and errno errors shared by every call of the epq native addon. */
#ifndef EPQ_NAPI_ARGS_H
#define EPQ_NAPI_ARGS_H

#include <node_api.h>
#include <stdint.h>

#define EPQ_MAX_ARGS 6

/* A path argument: a string or a Buffer of bytes (names that are not UTF-8 travel as Buffers). */
typedef struct {
  char *bytes; /* NUL-terminated, malloc'd */
} epq_path;

/* Reads exactly `want` arguments into argv; throws a TypeError and returns 0 on a wrong count. */
int epq_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
int epq_int(napi_env env, napi_value v, const char *name, int32_t *out);
int epq_uint(napi_env env, napi_value v, const char *name, uint32_t *out);
int epq_i64(napi_env env, napi_value v, const char *name, int64_t *out);
int epq_u64(napi_env env, napi_value v, const char *name, uint64_t *out);
/* Reads a string or Buffer path; refuses an embedded NUL. Free with epq_path_free. */
int epq_path_get(napi_env env, napi_value v, const char *name, epq_path *out);
void epq_path_free(epq_path *p);

/*
 * Throws an Error carrying `errno` (positive), `code` ("ENOENT"), `syscall` and, when given,
 * `path` and `dest`, like Node's ErrnoException. `err` is errno as read right after the call.
 */
void epq_throw_errno(napi_env env, int err, const char *syscall, const char *path, const char *dest);

napi_value epq_number(napi_env env, double v);
napi_value epq_bigint(napi_env env, int64_t v);
napi_value epq_undefined(napi_env env);
void epq_set(napi_env env, napi_value obj, const char *key, napi_value v);

#endif
