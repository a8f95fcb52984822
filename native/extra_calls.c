/* Calls for the agent's control socket (peer credentials) and for on-access blocking (fanotify). */
#define _GNU_SOURCE
#include "extra_calls.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/socket.h>

#include "napi_args.h"

/* getPeerCred(socketFd) -> { pid, uid, gid } of the process at the other end of a Unix socket. */
static napi_value call_get_peer_cred(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t fd;
  if (!epq_args(env, info, 1, argv) || !epq_int(env, argv[0], "fd", &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
    epq_throw_errno(env, errno, "getsockopt", NULL, NULL);
    return NULL;
  }
  napi_value out;
  napi_create_object(env, &out);
  epq_set(env, out, "pid", epq_number(env, cred.pid));
  epq_set(env, out, "uid", epq_number(env, cred.uid));
  epq_set(env, out, "gid", epq_number(env, cred.gid));
  return out;
}

/* fanotifyInit(flags, eventFlags) -> fd */
static napi_value call_fanotify_init(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  uint32_t flags, event_flags;
  if (!epq_args(env, info, 2, argv) || !epq_uint(env, argv[0], "flags", &flags) || !epq_uint(env, argv[1], "eventFlags", &event_flags)) return NULL;
  int fd = fanotify_init(flags | FAN_CLOEXEC, event_flags);
  if (fd < 0) {
    epq_throw_errno(env, errno, "fanotify_init", NULL, NULL);
    return NULL;
  }
  return epq_number(env, fd);
}

/* fanotifyMark(fd, flags, mask, dirfd, path) */
static napi_value call_fanotify_mark(napi_env env, napi_callback_info info) {
  napi_value argv[EPQ_MAX_ARGS];
  int32_t fd, dirfd;
  uint32_t flags;
  uint64_t mask;
  epq_path path;
  if (!epq_args(env, info, 5, argv) || !epq_int(env, argv[0], "fd", &fd) || !epq_uint(env, argv[1], "flags", &flags) ||
      !epq_u64(env, argv[2], "mask", &mask) || !epq_int(env, argv[3], "dirfd", &dirfd) || !epq_path_get(env, argv[4], "path", &path)) return NULL;
  int r = fanotify_mark(fd, flags, mask, dirfd, path.bytes);
  int err = errno;
  if (r < 0) epq_throw_errno(env, err, "fanotify_mark", path.bytes, NULL);
  epq_path_free(&path);
  return epq_undefined(env);
}

void epq_register_extra_calls(napi_env env, napi_value exports) {
  napi_property_descriptor calls[] = {
    {"getPeerCred", NULL, call_get_peer_cred, NULL, NULL, NULL, napi_enumerable, NULL},
    {"fanotifyInit", NULL, call_fanotify_init, NULL, NULL, NULL, napi_enumerable, NULL},
    {"fanotifyMark", NULL, call_fanotify_mark, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof calls / sizeof calls[0], calls);
}
