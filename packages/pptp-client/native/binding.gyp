{
  # Direct mode's Linux I/O: a TUN device and a raw GRE socket, read in batches from uv_poll.
  "targets": [
    {
      "target_name": "ferry_native",
      "sources": [
        "src/addon.cc",
        "src/byte_args.cc",
        "src/errno_error.cc",
        "src/gre.cc",
        "src/packet_reader.cc",
        "src/tun.cc"
      ],
      # node-addon-api's headers only: depending on its gyp targets would make gyp write files outside build/.
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
