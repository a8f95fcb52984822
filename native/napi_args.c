#define _GNU_SOURCE
#include "napi_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int epq_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = EPQ_MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    char msg[96];
    snprintf(msg, sizeof msg, "expected %zu arguments, got %zu", want, argc);
    napi_throw_type_error(env, "ERR_INVALID_ARG_COUNT", msg);
    return 0;
  }
  return 1;
}

static void throw_type(napi_env env, const char *name, const char *what) {
  char msg[128];
  snprintf(msg, sizeof msg, "%s must be %s", name, what);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
}

int epq_int(napi_env env, napi_value v, const char *name, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    throw_type(env, name, "a number");
    return 0;
  }
  return 1;
}

int epq_uint(napi_env env, napi_value v, const char *name, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    throw_type(env, name, "a number");
    return 0;
  }
  return 1;
}

int epq_i64(napi_env env, napi_value v, const char *name, int64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  bool lossless = true;
  if (t == napi_bigint && napi_get_value_bigint_int64(env, v, out, &lossless) == napi_ok && lossless) return 1;
  if (t == napi_number && napi_get_value_int64(env, v, out) == napi_ok) return 1;
  throw_type(env, name, "a bigint or number within 64 bits");
  return 0;
}

int epq_u64(napi_env env, napi_value v, const char *name, uint64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  bool lossless = true;
  int64_t n;
  if (t == napi_bigint && napi_get_value_bigint_uint64(env, v, out, &lossless) == napi_ok && lossless) return 1;
  if (t == napi_number && napi_get_value_int64(env, v, &n) == napi_ok && n >= 0) {
    *out = (uint64_t)n;
    return 1;
  }
  throw_type(env, name, "a non-negative bigint or number within 64 bits");
  return 0;
}

int epq_path_get(napi_env env, napi_value v, const char *name, epq_path *out) {
  out->bytes = NULL;
  bool is_buffer = false;
  size_t len = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_string) {
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return 0;
    out->bytes = malloc(len + 1);
    if (!out->bytes) return napi_throw_error(env, "ENOMEM", "out of memory"), 0;
    napi_get_value_string_utf8(env, v, out->bytes, len + 1, &len);
  } else if (napi_is_buffer(env, v, &is_buffer) == napi_ok && is_buffer) {
    void *data;
    if (napi_get_buffer_info(env, v, &data, &len) != napi_ok) return 0;
    out->bytes = malloc(len + 1);
    if (!out->bytes) return napi_throw_error(env, "ENOMEM", "out of memory"), 0;
    memcpy(out->bytes, data, len);
    out->bytes[len] = '\0';
  } else {
    throw_type(env, name, "a string or a Buffer");
    return 0;
  }
  if (strlen(out->bytes) != len) {
    epq_path_free(out);
    char msg[128];
    snprintf(msg, sizeof msg, "%s must not contain a NUL byte", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
    return 0;
  }
  return 1;
}

void epq_path_free(epq_path *p) {
  free(p->bytes);
  p->bytes = NULL;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

void epq_throw_errno(napi_env env, int err, const char *syscall, const char *path, const char *dest) {
  const char *code = strerrorname_np(err);
  char codebuf[16];
  if (!code) {
    snprintf(codebuf, sizeof codebuf, "E%d", err);
    code = codebuf;
  }
  /* Same shape as Node's: "ENOENT: no such file or directory, unlinkat 'name'". Paths are
     not quoted safely here on purpose: callers that print them escape the whole message. */
  char msg[512];
  if (path && dest) snprintf(msg, sizeof msg, "%s: %s, %s '%s' -> '%s'", code, strerror(err), syscall, path, dest);
  else if (path) snprintf(msg, sizeof msg, "%s: %s, %s '%s'", code, strerror(err), syscall, path);
  else snprintf(msg, sizeof msg, "%s: %s, %s", code, strerror(err), syscall);
  napi_value error;
  napi_create_error(env, str(env, code), str(env, msg), &error);
  epq_set(env, error, "errno", epq_number(env, err));
  epq_set(env, error, "syscall", str(env, syscall));
  if (path) epq_set(env, error, "path", str(env, path));
  if (dest) epq_set(env, error, "dest", str(env, dest));
  napi_throw(env, error);
}

napi_value epq_number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

napi_value epq_bigint(napi_env env, int64_t v) {
  napi_value out;
  napi_create_bigint_int64(env, v, &out);
  return out;
}

napi_value epq_undefined(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

void epq_set(napi_env env, napi_value obj, const char *key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}
