{
  "targets": [
    {
      "target_name": "epq_native",
      "sources": [
        "native/epq_native.c",
        "native/fs_calls.c",
        "native/extra_calls.c",
        "native/napi_args.c"
      ],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
