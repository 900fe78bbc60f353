# embed_assets.cmake: turns assets/demo.{html,css,js} and layout.js into C++ string constants, so
# raftlab-demo serves its page from memory (no files to find, nothing from a CDN).
# Run as a script: cmake -DSOURCE_DIR=... -DOUTPUT=... -P embed_assets.cmake
file(READ "${SOURCE_DIR}/assets/demo.html" html)
file(READ "${SOURCE_DIR}/assets/demo.css" style)
# The script: layout.js (the geometry) first, then demo.js (the page), as one.
file(READ "${SOURCE_DIR}/assets/layout.js" layout)
file(READ "${SOURCE_DIR}/assets/demo.js" page_script)
set(script "${layout}\n${page_script}")
set(delim "RAFTLAB_ASSET")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from harness/web/assets by embed_assets.cmake. Do not edit.\n"
  "namespace raftlab::web {\n"
  "extern const char* const kDemoHtml;\n"
  "extern const char* const kDemoCss;\n"
  "extern const char* const kDemoJs;\n"
  "const char* const kDemoHtml = R\"${delim}(${html})${delim}\";\n"
  "const char* const kDemoCss = R\"${delim}(${style})${delim}\";\n"
  "const char* const kDemoJs = R\"${delim}(${script})${delim}\";\n"
  "}  // namespace raftlab::web\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
