// raftlab/history/history.h: a recorded history of key/value operations, and its
// JSON-lines file format (documented in harness/history/README.md).
//
// One operation per line:
//   {"client":"c3","seq":17,"op":"append","key":"k7","value":"[c3:17]",
//    "invoke":1200,"return":1850,"outcome":"ok"}
//   {"client":"c1","seq":4,"op":"get","key":"k7","output":"[c3:17]",
//    "invoke":1300,"return":1400,"outcome":"ok"}
// Times are integers in microseconds from any fixed origin; "return" is omitted
// (or null) for indeterminate operations. "output" is null when the key is absent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "raftlab/kv/op.h"

namespace raftlab::history {

/// The operation of a history entry: lab 10's kv::Op (raftlab/kv/op.h), so a client
/// records what it sends as it is. to_string() names it ("get", "put", "append", "delete").
using OpKind = kv::Op;
using kv::to_string;

/// How an operation ended, as the client saw it.
enum class Outcome {
    ok,             ///< completed; for get, `output` is what it read
    failed,         ///< definitely not applied (for example rejected before sending)
    indeterminate,  ///< no answer (timeout, connection lost): it may or may not have taken effect
};

/// Which writes a workload or a generated history makes. With appends only or puts
/// only (of unique values), check_linearizable decides every key without searching.
enum class Writes {
    mixed,    ///< puts and appends (and, in a workload, deletes)
    appends,  ///< appends only (Elle's list-append)
    puts,     ///< puts only (registers)
};

std::string_view to_string(Outcome outcome); ///< "ok", "failed", "indeterminate"

struct Operation {
    std::string client;                   ///< unique client id
    std::uint64_t seq = 0;                ///< per-client sequence number
    OpKind kind = OpKind::get;
    std::string key;
    std::string value;                    ///< put / append argument
    std::optional<std::string> output;    ///< get result (nullopt: key absent)
    std::int64_t invoke_us = 0;
    std::int64_t return_us = 0;           ///< meaningless when indeterminate
    Outcome outcome = Outcome::ok;
};

using History = std::vector<Operation>;

/// A history file that cannot be read. what() is "FILE:LINE: problem".
class HistoryFormatError : public std::runtime_error {
public:
    HistoryFormatError(const std::string& message, std::size_t line)
        : std::runtime_error(message), line_(line) {}
    std::size_t line() const { return line_; }

private:
    std::size_t line_;
};

/// One operation as one JSON line (no trailing newline).
std::string to_json_line(const Operation& op);

/// Parses one line; throws HistoryFormatError (line 0) naming the bad field.
Operation parse_json_line(const std::string& line);

/// Reads a whole file. Blank lines are skipped. Throws HistoryFormatError naming
/// "FILE:LINE" for the first bad line, or the file if it cannot be opened.
History load_history(const std::filesystem::path& file);

/// Writes one JSON line per operation. Throws std::runtime_error naming the file.
void save_history(const History& history, const std::filesystem::path& file);
void write_history(const History& history, std::ostream& out);

/// Thread-safe recorder used by concurrent clients: invoke() before sending,
/// complete() when the answer (or the timeout) arrives.
class Recorder {
public:
    Recorder();

    /// Records the invocation now; returns a token for complete().
    std::size_t invoke(const std::string& client, std::uint64_t seq, OpKind kind,
                       const std::string& key, const std::string& value = {});
    /// Records the return now. For indeterminate outcomes the return time is
    /// ignored by the checkers.
    void complete(std::size_t token, Outcome outcome, std::optional<std::string> output = {});

    /// Microseconds since this recorder was created (the history's time origin).
    std::int64_t now_us() const;

    /// A copy of everything recorded; operations never completed are reported as
    /// indeterminate.
    History snapshot() const;

private:
    mutable std::mutex mutex_;
    History ops_;
    std::vector<bool> completed_;
    std::int64_t origin_ns_;
};

}  // namespace raftlab::history
