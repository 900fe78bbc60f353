// Fuzz target: the history JSON-lines reader (raftlab/history/history.h), the input
// of `./raftlab check` and of every linearizability check. (Lab 1's KV protocol is
// parsed by student code, not by the framework, and lab 10's client protocol does not
// exist yet, so this is the framework's client-facing parser.)
//
// Input: the whole file, written to a temporary file and read with load_history(),
// exactly as raftlab-check reads it.
//
// Properties checked (from the header's contract):
//   * a bad file throws HistoryFormatError whose text starts with "FILE:LINE: ";
//     nothing else escapes and nothing crashes;
//   * every loaded operation survives to_json_line() then parse_json_line()
//     unchanged, and returns no earlier than it was invoked unless indeterminate.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fuzz_check.h"
#include "raftlab/history/history.h"
#include "scratch_dir.h"

namespace {

namespace history = raftlab::history;

bool same(const history::Operation& a, const history::Operation& b) {
    return a.client == b.client && a.seq == b.seq && a.kind == b.kind && a.key == b.key &&
           a.value == b.value && a.output == b.output && a.invoke_us == b.invoke_us &&
           a.return_us == b.return_us && a.outcome == b.outcome;
}

/// One private file, reused by every run of this process.
const std::filesystem::path& scratch_file() {
    static const raftlab::fuzz::ScratchDir dir("history");
    static const std::filesystem::path file = dir.path() / "history.jsonl";
    return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    raftlab::fuzz::write_file(scratch_file(), data, size);
    history::History ops;
    try {
        ops = history::load_history(scratch_file());
    } catch (const history::HistoryFormatError& e) {
        std::string prefix = scratch_file().string() + ":";
        FUZZ_EXPECT(std::string(e.what()).rfind(prefix, 0) == 0 && e.line() > 0,
                    "a bad line is reported as FILE:LINE: problem");
        return 0;
    }
    for (const auto& op : ops) {
        FUZZ_EXPECT(op.outcome == history::Outcome::indeterminate || op.return_us >= op.invoke_us,
                    "a completed operation returns no earlier than it was invoked");
        history::Operation again = history::parse_json_line(history::to_json_line(op));
        FUZZ_EXPECT(same(op, again), "to_json_line then parse_json_line gives the same operation");
    }
    return 0;
}
