// Fault settings: validation and JSON form (see raftlab/proxy/faults.h).
#include "raftlab/proxy/faults.h"

#include <boost/json.hpp>

#include <cmath>
#include <functional>
#include <map>

namespace raftlab::proxy {
namespace json = boost::json;
using std::chrono::microseconds;

std::string_view to_string(Direction d) { return d == Direction::forward ? "forward" : "backward"; }

bool ByteFaults::any() const {
    return latency.count() > 0 || jitter.count() > 0 || bandwidth > 0 || slice_bytes > 0 || blackhole;
}

bool FrameFaults::any() const {
    return drop > 0 || duplicate > 0 || (delay_probability > 0 && delay.count() > 0) || reorder > 0;
}

namespace {

void check_probability(const char* name, double p) {
    if (!(p >= 0 && p <= 1)) throw FaultError(std::string(name) + " = " + std::to_string(p) + " must be a probability in [0, 1]");
}

void check_time(const char* name, microseconds t) {
    if (t.count() < 0 || t > std::chrono::hours(1))
        throw FaultError(std::string(name) + " = " + std::to_string(t.count() / 1000.0) + " ms must be between 0 and 1 hour");
}

double number(const json::value& v, const std::string& field) {
    if (v.is_int64()) return static_cast<double>(v.as_int64());
    if (v.is_uint64()) return static_cast<double>(v.as_uint64());
    if (v.is_double()) return v.as_double();
    throw FaultError("fault field '" + field + "' must be a number, got " + json::serialize(v));
}

microseconds millis(const json::value& v, const std::string& field) {
    double ms = number(v, field);
    if (!(ms >= 0 && ms <= 3600000)) throw FaultError("fault field '" + field + "' = " + json::serialize(v) + " must be between 0 and 3600000 ms");
    return microseconds(static_cast<std::int64_t>(std::llround(ms * 1000)));
}

}  // namespace

void validate(const DirectionFaults& f) {
    check_time("latency", f.bytes.latency);
    check_time("jitter", f.bytes.jitter);
    check_time("slice_delay", f.bytes.slice_delay);
    check_time("delay", f.frames.delay);
    check_time("reorder_window", f.frames.reorder_window);
    check_probability("drop", f.frames.drop);
    check_probability("duplicate", f.frames.duplicate);
    check_probability("delay_probability", f.frames.delay_probability);
    check_probability("reorder", f.frames.reorder);
}

json::object to_json(const DirectionFaults& f) {
    json::object o;
    auto ms = [](microseconds t) -> json::value {  // whole milliseconds print as integers
        if (t.count() % 1000 == 0) return t.count() / 1000;
        return t.count() / 1000.0;
    };
    const DirectionFaults none;
    if (f.bytes.latency.count()) o["latency_ms"] = ms(f.bytes.latency);
    if (f.bytes.jitter.count()) o["jitter_ms"] = ms(f.bytes.jitter);
    if (f.bytes.bandwidth) o["bandwidth"] = f.bytes.bandwidth;
    if (f.bytes.slice_bytes) o["slice_bytes"] = f.bytes.slice_bytes;
    if (f.bytes.slice_delay.count()) o["slice_delay_ms"] = ms(f.bytes.slice_delay);
    if (f.bytes.blackhole) o["blackhole"] = true;
    if (f.frames.drop > 0) o["drop"] = f.frames.drop;
    if (f.frames.duplicate > 0) o["duplicate"] = f.frames.duplicate;
    if (f.frames.delay_probability > 0) o["delay_probability"] = f.frames.delay_probability;
    if (f.frames.delay.count()) o["delay_ms"] = ms(f.frames.delay);
    if (f.frames.reorder > 0) o["reorder"] = f.frames.reorder;
    if (f.frames.reorder_window != none.frames.reorder_window) o["reorder_window_ms"] = ms(f.frames.reorder_window);
    return o;
}

DirectionFaults faults_from_json(const json::object& o) {
    DirectionFaults f;
    using Setter = std::function<void(const json::value&, const std::string&)>;
    const std::map<std::string, Setter> fields = {
        {"latency_ms", [&](auto& v, auto& n) { f.bytes.latency = millis(v, n); }},
        {"jitter_ms", [&](auto& v, auto& n) { f.bytes.jitter = millis(v, n); }},
        {"slice_delay_ms", [&](auto& v, auto& n) { f.bytes.slice_delay = millis(v, n); }},
        {"delay_ms", [&](auto& v, auto& n) { f.frames.delay = millis(v, n); }},
        {"reorder_window_ms", [&](auto& v, auto& n) { f.frames.reorder_window = millis(v, n); }},
        {"bandwidth", [&](auto& v, auto& n) {
             double b = number(v, n);
             if (b < 0) throw FaultError("fault field 'bandwidth' must be >= 0 bytes per second");
             f.bytes.bandwidth = static_cast<std::uint64_t>(b);
         }},
        {"slice_bytes", [&](auto& v, auto& n) {
             double b = number(v, n);
             if (b < 0) throw FaultError("fault field 'slice_bytes' must be >= 0");
             f.bytes.slice_bytes = static_cast<std::size_t>(b);
         }},
        {"blackhole", [&](auto& v, auto& n) {
             if (!v.is_bool()) throw FaultError("fault field 'blackhole' must be true or false");
             f.bytes.blackhole = v.as_bool();
         }},
        {"drop", [&](auto& v, auto& n) { f.frames.drop = number(v, n); }},
        {"duplicate", [&](auto& v, auto& n) { f.frames.duplicate = number(v, n); }},
        {"delay_probability", [&](auto& v, auto& n) { f.frames.delay_probability = number(v, n); }},
        {"reorder", [&](auto& v, auto& n) { f.frames.reorder = number(v, n); }},
    };
    for (const auto& [key, value] : o) {
        auto it = fields.find(std::string(key));
        if (it == fields.end()) {
            std::string known;
            for (const auto& [name, setter] : fields) known += (known.empty() ? "" : ", ") + name;
            throw FaultError("unknown fault field '" + std::string(key) + "'; known fields: " + known);
        }
        it->second(value, it->first);
    }
    validate(f);
    return f;
}

}  // namespace raftlab::proxy
