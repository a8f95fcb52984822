#ifndef EPQ_FS_CALLS_H
#define EPQ_FS_CALLS_H
#include <node_api.h>
void epq_register_fs_calls(napi_env env, napi_value exports);
#endif
