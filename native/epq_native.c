/*
 * epq's native calls: the Linux file system calls Node lacks (the *at family, openat2,
 * renameat2, nanosecond times) and two for later (SO_PEERCRED, fanotify). Every call is
 * synchronous, reads errno right after the syscall and throws an Error shaped like Node's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fanotify.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <node_api.h>

#include "extra_calls.h"
#include "fs_calls.h"
#include "napi_args.h"

static void set_constants(napi_env env, napi_value exports) {
  napi_value c;
  napi_create_object(env, &c);
#define K(name) epq_set(env, c, #name, epq_number(env, (double)(name)))
  K(AT_FDCWD); K(AT_REMOVEDIR); K(AT_SYMLINK_NOFOLLOW); K(AT_EMPTY_PATH); K(AT_SYMLINK_FOLLOW);
  K(O_RDONLY); K(O_WRONLY); K(O_RDWR); K(O_CREAT); K(O_EXCL); K(O_TRUNC); K(O_APPEND); K(O_NOFOLLOW);
  K(O_DIRECTORY); K(O_PATH); K(O_NONBLOCK); K(O_CLOEXEC); K(O_NOCTTY);
  K(RENAME_NOREPLACE); K(RENAME_EXCHANGE);
  K(RESOLVE_NO_XDEV); K(RESOLVE_NO_MAGICLINKS); K(RESOLVE_NO_SYMLINKS); K(RESOLVE_BENEATH); K(RESOLVE_IN_ROOT);
  K(FAN_CLASS_NOTIF); K(FAN_CLASS_CONTENT); K(FAN_CLASS_PRE_CONTENT); K(FAN_NONBLOCK); K(FAN_UNLIMITED_QUEUE);
  K(FAN_MARK_ADD); K(FAN_MARK_REMOVE); K(FAN_MARK_MOUNT); K(FAN_MARK_FILESYSTEM); K(FAN_MARK_ONLYDIR);
  K(FAN_OPEN_PERM); K(FAN_OPEN_EXEC_PERM); K(FAN_ACCESS_PERM); K(FAN_CLOSE_WRITE); K(FAN_MODIFY); K(FAN_EVENT_ON_CHILD);
  K(FAN_ALLOW); K(FAN_DENY);
#undef K
  epq_set(env, exports, "constants", c);
}

static napi_value init(napi_env env, napi_value exports) {
  epq_register_fs_calls(env, exports);
  epq_register_extra_calls(env, exports);
  set_constants(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
