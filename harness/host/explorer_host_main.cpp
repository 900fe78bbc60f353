// explorer_host_main.cpp: the implementation host of lab 3. It runs the student's
// explore() (modelcheck/explorer.h) in a process of its own, on a stand-in for a
// model the judge keeps (states and events are names the judge made up) or on
// the student's own LightModel, and answers the judge (explorer_remote.cpp,
// explorer_light_remote.cpp) with the frames of explorer_protocol.h.
//
// Framework code, but it shares a process with student code: the judge trusts none
// of what it writes.
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "explorer_protocol.h"
#include "light_host.h"
#include "modelcheck/explorer.h"
#include "modelcheck/light_model.h"
#include "raftlab/host/serve.h"

namespace {
using namespace raftlab::host;
namespace p = raftlab::host::explorer;
namespace mc = raftlab::modelcheck;
namespace lh = raftlab::host::light_host;

/// A name the judge gave a state or event of its model: four bytes on the wire, a
/// number here. (Name 0 is what State{} and Event{} make; the judge gives it to the
/// model's own default value.)
using Name = std::uint32_t;

Name name_from(const std::string& bytes) {
    Name n = 0;
    if (bytes.size() != sizeof n) throw ProtocolError("a name that is not four bytes");
    std::memcpy(&n, bytes.data(), sizeof n);
    return n;
}

std::string bytes_of(Name n) { return std::string(reinterpret_cast<const char*>(&n), sizeof n); }

/// The judge, asked while the explorer runs. Its answers are kept: the judge's
/// models and invariants are pure, and an explorer that asks again needs no round
/// trip.
class Judge {
public:
    Judge(HostChannel& channel, std::size_t invariants) : channel_(channel), invariants_(invariants) {}

    std::vector<Name> initial_states() {
        if (!initial_) {
            Writer w;
            w.u8(p::kAskInitialStates);
            Reader& r = ask(w);
            std::vector<Name> states(count(r));
            for (auto& s : states) s = name_from(r.str());
            read_lookahead_and_verdicts(r);
            initial_ = std::move(states);
        }
        return *initial_;
    }

    std::vector<Name> events(Name state) {
        if (auto it = events_.find(state); it != events_.end()) return it->second;
        Writer w;
        w.u8(p::kAskEvents);
        w.str(bytes_of(state));
        Reader& r = ask(w);
        std::vector<Name> events = read_moves(r, state);
        read_lookahead_and_verdicts(r);
        return events_[state] = std::move(events);
    }

    Name next(Name state, Name event) {
        if (auto it = next_.find(key(state, event)); it != next_.end()) return it->second;
        Writer w;
        w.u8(p::kAskNext);
        w.str(bytes_of(state));
        w.str(bytes_of(event));
        Reader& r = ask(w);
        Name next = name_from(r.str());
        read_lookahead_and_verdicts(r);
        return next_[key(state, event)] = next;
    }

    /// Invariant number `invariant` in `state`, as the judge's model encodes it.
    bool holds(std::size_t invariant, const std::string& state) {
        auto it = holds_.find(state);
        if (it == holds_.end()) {
            Writer w;
            w.u8(p::kAskHolds);
            w.str(state);
            Reader& r = ask(w);
            it = holds_.emplace(state, verdicts(r)).first;
            r.finish();
        }
        return it->second[invariant];
    }

private:
    /// Sends a question and returns the judge's answer, rethrowing an exception of
    /// the judge's model into the explorer.
    Reader& ask(const Writer& w) {
        channel_.send(w);
        answer_ = channel_.await();
        reader_.emplace(answer_);
        rethrow_if_exception(*reader_);
        return *reader_;
    }
    static std::uint32_t count(Reader& r) {
        std::uint32_t n = r.u32();
        if (n > r.left() / 4) throw ProtocolError("a list longer than its frame");
        return n;
    }
    std::vector<bool> verdicts(Reader& r) {
        std::vector<bool> v(invariants_);
        for (std::size_t i = 0; i < invariants_; ++i) v[i] = r.boolean();
        return v;
    }
    /// u32 n, n times (event, next state): the events of `state`, whose next states
    /// are kept too.
    std::vector<Name> read_moves(Reader& r, Name state) {
        std::vector<Name> events(count(r));
        for (auto& e : events) {
            e = name_from(r.str());
            next_[key(state, e)] = name_from(r.str());
        }
        return events;
    }
    void read_lookahead_and_verdicts(Reader& r) {
        std::uint32_t c = count(r);
        for (std::uint32_t i = 0; i < c; ++i) {
            Name state = name_from(r.str());
            std::vector<Name> events = read_moves(r, state);
            events_.try_emplace(state, std::move(events));
        }
        std::uint32_t m = count(r);
        for (std::uint32_t i = 0; i < m; ++i) {
            std::string state = r.str();
            holds_[std::move(state)] = verdicts(r);
        }
        r.finish();
    }
    static std::uint64_t key(Name state, Name event) { return std::uint64_t{state} << 32 | event; }

    HostChannel& channel_;
    std::size_t invariants_;
    std::string answer_;
    std::optional<Reader> reader_;
    std::optional<std::vector<Name>> initial_;
    std::unordered_map<Name, std::vector<Name>> events_;
    std::unordered_map<std::uint64_t, Name> next_;
    std::unordered_map<std::string, std::vector<bool>> holds_;
};

/// The stand-in for a model the judge keeps: states and events are names.
struct OpaqueModel {
    using State = Name;
    using Event = Name;
    Judge* judge;
    std::vector<State> initial_states() const { return judge->initial_states(); }
    std::vector<Event> events(const State& s) const { return judge->events(s); }
    State next(const State& s, const Event& e) const { return judge->next(s, e); }
};

void write_opaque(Writer& w, Name n) { w.u32(n); }

void write_light_event(Writer& w, raftlab::light::Event e) { w.u8(lh::code(e)); }

/// The report, each state and event written by `state` and `event`.
template <class M, class WriteState, class WriteEvent>
void write_report(Writer& w, const mc::Report<M>& report, WriteState state, WriteEvent event) {
    auto trace = [&](const mc::Trace<M>& t) {
        w.u32(static_cast<std::uint32_t>(t.states.size()));
        for (const auto& s : t.states) state(w, s);
        w.u32(static_cast<std::uint32_t>(t.events.size()));
        for (const auto& e : t.events) event(w, e);
    };
    w.u64(report.state_count);
    w.u64(report.depth);
    w.boolean(report.complete);
    w.u32(static_cast<std::uint32_t>(report.violations.size()));
    for (const auto& v : report.violations) {
        w.str(v.invariant);
        trace(v.trace);
    }
    w.u32(static_cast<std::uint32_t>(report.deadlocks.size()));
    for (const auto& d : report.deadlocks) {
        trace(d);
        if (w.bytes().size() > p::kMaxReport) return;  // too large to send; the caller says so
    }
}

/// kExplore: the student's explore() on the model the request names, then kEnd.
void explore(Reader& r, HostChannel& channel) {
    const std::uint8_t kind = r.u8();
    mc::Options options;
    options.max_states = static_cast<std::size_t>(r.u64());
    std::uint32_t k = r.u32();
    if (k > r.left() / 4) throw ProtocolError("more invariants than the frame holds");
    std::vector<std::string> names(k);
    for (auto& n : names) n = r.str();
    r.finish();
    if (kind != p::kOpaqueModel && kind != p::kLightModel) throw ProtocolError("unknown model kind");

    Judge judge(channel, k);
    Writer end;
    end.u8(p::kEnd);
    try {
        Writer report;
        if (kind == p::kOpaqueModel) {
            std::vector<mc::Invariant<OpaqueModel>> invariants;
            for (std::size_t i = 0; i < k; ++i)
                invariants.push_back({names[i], [&judge, i](const Name& s) { return judge.holds(i, bytes_of(s)); }});
            auto result = mc::explore(OpaqueModel{&judge}, invariants, options);
            write_report(report, result, write_opaque, write_opaque);
        } else {
            using LightState = raftlab::light::State;
            std::vector<mc::Invariant<mc::LightModel>> invariants;
            for (std::size_t i = 0; i < k; ++i)
                invariants.push_back({names[i], [&judge, i](const LightState& s) {
                                          Writer bytes;
                                          lh::write_state(bytes, s);
                                          return judge.holds(i, bytes.bytes());
                                      }});
            auto result = mc::explore(mc::LightModel{}, invariants, options);
            write_report(report, result, lh::write_state, write_light_event);
        }
        if (report.bytes().size() > p::kMaxReport)
            throw std::length_error("the explorer's report takes more than " + std::to_string(p::kMaxReport >> 20) +
                                    " MB, more than the checks accept: does it hold far more traces or states than "
                                    "the model has?");
        const std::string& bytes = report.bytes();
        for (std::size_t at = 0; at < bytes.size(); at += p::kReportPartBytes) {
            Writer part;
            part.u8(p::kReportPart);
            part.bytes().append(bytes, at, p::kReportPartBytes);
            channel.send(part);
            channel.flush();
        }
        end.u8(0);
    } catch (const ProtocolError&) {
        throw;
    } catch (...) {
        write_current_exception(end);
    }
    channel.send(end);
}

/// One call of the student's LightModel.
void light_model_call(std::uint8_t op, Reader& r, HostChannel& channel) {
    Writer w;
    mc::LightModel model;
    switch (op) {
        case p::kLightInitialStates:
            r.finish();
            lh::answer(w, [&] { return model.initial_states(); }, [](Writer& out, const auto& states) {
                out.u32(static_cast<std::uint32_t>(states.size()));
                for (const auto& s : states) lh::write_state(out, s);
            });
            break;
        case p::kLightEvents: {
            auto s = lh::read_state(r);
            r.finish();
            lh::answer(w, [&] { return model.events(s); }, [](Writer& out, const auto& events) {
                out.u32(static_cast<std::uint32_t>(events.size()));
                for (auto e : events) out.u8(lh::code(e));
            });
            break;
        }
        case p::kLightNext: {
            auto s = lh::read_state(r);
            auto e = lh::read_event(r);
            r.finish();
            lh::answer(w, [&] { return model.next(s, e); }, lh::write_state);
            break;
        }
        default: throw ProtocolError("unknown request");
    }
    channel.send(w);
}

}  // namespace

int main() {
    return serve([](Reader& r, HostChannel& channel) {
        const std::uint8_t op = r.u8();
        if (op == p::kExplore)
            explore(r, channel);
        else
            light_model_call(op, r, channel);
    });
}
