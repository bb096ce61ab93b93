{
  "variables": {
    "shapca_cflags": ["-O3", "-std=c++20", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"]
  },
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions", "-O2"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=c++17", "-O2"],
    "cflags_cc": ["<@(shapca_cflags)"],
    "xcode_settings": {"GCC_ENABLE_CPP_EXCEPTIONS": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++20"}
  },
  "targets": [
    {
      "target_name": "shapca_avx2",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('fs').readdirSync('native/kernels/avx2').filter(f => f.endsWith('.cpp')).map(f => 'native/kernels/avx2/' + f).join(' ')\")"],
      "cflags_cc": ["-mavx2", "-mfma", "-fPIC"]
    },
    {
      "target_name": "shapca_avx512",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('fs').readdirSync('native/kernels/avx512').filter(f => f.endsWith('.cpp')).map(f => 'native/kernels/avx512/' + f).join(' ')\")"],
      "cflags_cc": ["-mavx512f", "-mavx2", "-mfma", "-fPIC"]
    },
    {
      "target_name": "shapca_avx512_lowp",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('fs').readdirSync('native/kernels/avx512_lowp').filter(f => f.endsWith('.cpp')).map(f => 'native/kernels/avx512_lowp/' + f).join(' ')\")"],
      "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512bf16", "-mavx512vnni", "-mavx2", "-mfma", "-fPIC"]
    },
    {
      "target_name": "shapca",
      "dependencies": ["shapca_avx2", "shapca_avx512", "shapca_avx512_lowp"],
      "sources": ["<!@(node -p \"['core', 'kernels', 'models', 'binding'].flatMap(d => require('fs').readdirSync('native/' + d).filter(f => f.endsWith('.cpp')).map(f => 'native/' + d + '/' + f)).join(' ')\")"]
    }
  ]
}
