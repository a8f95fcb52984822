#ifndef EPQ_EXTRA_CALLS_H
#define EPQ_EXTRA_CALLS_H
#include <node_api.h>
void epq_register_extra_calls(napi_env env, napi_value exports);
#endif
