# embed_assets.cmake: turns assets/timeline.css and assets/timeline.js into C++ string
# constants, so the page the library writes carries them inline (no external files).
# Run as a script: cmake -DSOURCE_DIR=... -DOUTPUT=... -P embed_assets.cmake
file(READ "${SOURCE_DIR}/assets/timeline.css" style)
file(READ "${SOURCE_DIR}/assets/timeline.js" script)
set(delim "RAFTLAB_ASSET")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from harness/timeline/assets by embed_assets.cmake. Do not edit.\n"
  "namespace raftlab::timeline {\n"
  "extern const char* const kPageStyle;\n"
  "extern const char* const kPageScript;\n"
  "const char* const kPageStyle = R\"${delim}(${style})${delim}\";\n"
  "const char* const kPageScript = R\"${delim}(${script})${delim}\";\n"
  "}  // namespace raftlab::timeline\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
