// raftlab/proxy/faults.h: what the fault proxy can do to one direction of a link,
// and the JSON form of it (shared by the HTTP control endpoint, the CLI and tests).
//
// A link carries TCP connections from node `from` (the side that connects) to node
// `to` (the listening server). Its two directions:
//   forward   bytes from `from` to `to` (requests)
//   backward  bytes from `to` back to `from` (replies)
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace raftlab::proxy {

enum class Direction { forward, backward };

/// "forward" / "backward".
std::string_view to_string(Direction d);

/// Byte-level faults (they work on any TCP stream, like Toxiproxy's toxics).
struct ByteFaults {
    std::chrono::microseconds latency{0};      ///< added to every chunk
    std::chrono::microseconds jitter{0};       ///< +- uniform around latency; never reorders bytes
    std::uint64_t bandwidth = 0;               ///< bytes per second; 0 = unlimited
    std::size_t slice_bytes = 0;               ///< write at most this many bytes at a time; 0 = off
    std::chrono::microseconds slice_delay{0};  ///< pause between slices
    bool blackhole = false;                    ///< read and discard everything

    bool any() const;
    friend bool operator==(const ByteFaults&, const ByteFaults&) = default;
};

/// Message-level faults: only on links created with framed = true (4-byte
/// big-endian length + payload, see raftlab/wire/frame.h). Each probability is
/// drawn per frame from the proxy's seed.
struct FrameFaults {
    double drop = 0;                            ///< probability a frame vanishes
    double duplicate = 0;                       ///< probability a frame is sent twice
    double delay_probability = 0;               ///< probability a frame is held back by `delay`
    std::chrono::microseconds delay{0};         ///< (later frames overtake a delayed one)
    double reorder = 0;                         ///< probability a frame is held back by reorder_window
    std::chrono::microseconds reorder_window{10000};  ///< so frames sent meanwhile overtake it

    bool any() const;
    friend bool operator==(const FrameFaults&, const FrameFaults&) = default;
};

/// Everything configured on one direction of one link.
struct DirectionFaults {
    ByteFaults bytes;
    FrameFaults frames;

    bool any() const { return bytes.any() || frames.any(); }
    friend bool operator==(const DirectionFaults&, const DirectionFaults&) = default;
};

/// Invalid fault settings (negative values, probabilities outside [0,1], unknown
/// JSON field). what() names the field, the value and the allowed range.
class FaultError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Throws FaultError if a value is out of range.
void validate(const DirectionFaults& faults);

/// JSON form, with times in milliseconds (fractions allowed):
///   {"latency_ms":50,"jitter_ms":5,"bandwidth":1000000,"slice_bytes":1,
///    "slice_delay_ms":1,"blackhole":false,"drop":0.1,"duplicate":0,
///    "delay_probability":0,"delay_ms":0,"reorder":0,"reorder_window_ms":10}
/// Only non-default fields are written.
boost::json::object to_json(const DirectionFaults& faults);

/// Parses the JSON form; missing fields keep their default. Throws FaultError for an
/// unknown field, a wrong type or an out-of-range value.
DirectionFaults faults_from_json(const boost::json::object& object);

}  // namespace raftlab::proxy
