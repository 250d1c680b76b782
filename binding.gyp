{
  "targets": [
    {
      "target_name": "qwebsocket",
      "sources": [
        "native/binding/binding.cc",
        "native/binding/io.cc",
        "native/binding/topics.cc",
        "native/io/transport.cc",
        "native/io/listener.cc",
        "native/io/topics.cc",
        "native/core/decoder.cc",
        "native/core/mask.cc",
        "native/core/sha1.cc",
        "native/core/utf8.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-O2"],
      "cflags": ["-O3"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions"],
      "xcode_settings": {
        "GCC_OPTIMIZATION_LEVEL": "3",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 0 } },
      "conditions": [["OS==\"win\"", { "libraries": ["-lws2_32.lib"] }]]
    }
  ]
}
