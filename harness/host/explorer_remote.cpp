// explorer_remote.cpp: the judge's side of the lab 3 host (see
// raftlab/host/remote_explorer.h and explorer_protocol.h).
#include <cstring>
#include <deque>
#include <memory>
#include <unordered_set>

#include "explorer_judge.h"
#include "explorer_protocol.h"
#include "raftlab/check/check.h"
#include "raftlab/host/serve.h"

#ifndef RAFTLAB_EXPLORER_HOST
#error "RAFTLAB_EXPLORER_HOST must name the lab 3 host executable"
#endif

namespace raftlab::modelcheck::detail {
namespace {
namespace p = raftlab::host::explorer;
using host::HostProcess;
using host::ProtocolError;
using host::Reader;
using host::Writer;

/// What the host has been told in one exploration, so nothing is sent twice.
struct Told {
    std::unordered_set<std::string> expanded;  // states whose events the host has
    std::unordered_set<std::string> verdicts;  // states whose verdicts the host has
};

/// The model's events and next states for the states in `named` and the states they
/// lead to, breadth first, up to kLookahead states the host has not had yet: a
/// breadth-first explorer will ask for them next (explorer_protocol.h). Every state
/// named on the way is added to `named`. A state whose events() throws is left out:
/// the host then asks for it, and the exception goes to the explorer at that moment.
void write_lookahead(Writer& w, std::vector<std::string>& named, Told& told, Answers& answers) {
    Writer block;
    std::uint32_t count = 0;
    std::deque<std::string> queue(named.begin(), named.end());
    while (!queue.empty() && count < p::kLookahead) {
        std::string state = std::move(queue.front());
        queue.pop_front();
        if (told.expanded.contains(state)) continue;
        std::vector<std::pair<std::string, std::string>> moves;
        try {
            moves = answers.events(state);
        } catch (...) {
            continue;
        }
        block.str(state);
        block.u32(static_cast<std::uint32_t>(moves.size()));
        for (auto& [event, next] : moves) {
            block.str(event);
            block.str(next);
            named.push_back(next);
            queue.push_back(std::move(next));
        }
        told.expanded.insert(std::move(state));
        ++count;
    }
    w.u32(count);
    w.bytes() += block.bytes();
}

/// The invariants' verdicts on every state in `named` the host has not had yet. A
/// verdict that throws is left out, like an events() that throws above.
void write_verdicts(Writer& w, const std::vector<std::string>& named, Told& told, Answers& answers,
                    std::size_t invariants) {
    Writer verdicts;
    std::uint32_t m = 0;
    if (invariants > 0) {
        for (const auto& s : named) {
            if (told.verdicts.contains(s)) continue;
            std::vector<bool> holds;
            try {
                holds = answers.holds(s);
            } catch (...) {
                continue;
            }
            told.verdicts.insert(s);
            verdicts.str(s);
            for (bool b : holds) verdicts.boolean(b);
            ++m;
        }
    }
    w.u32(m);
    w.bytes() += verdicts.bytes();
}

/// One answer to a question the host asked while exploring.
void answer(std::uint8_t op, Reader& r, Writer& w, Answers& answers, Told& told, std::size_t invariants) {
    std::vector<std::string> named;
    switch (op) {
        case p::kAskInitialStates: {
            r.finish();
            named = answers.initial_states();
            w.u8(0);
            w.u32(static_cast<std::uint32_t>(named.size()));
            for (const auto& s : named) w.str(s);
            break;
        }
        case p::kAskEvents: {
            std::string state = r.str();
            r.finish();
            auto events = answers.events(state);
            w.u8(0);
            w.u32(static_cast<std::uint32_t>(events.size()));
            for (auto& [event, next] : events) {
                w.str(event);
                w.str(next);
                named.push_back(std::move(next));
            }
            told.expanded.insert(std::move(state));
            break;
        }
        case p::kAskNext: {
            std::string state = r.str();
            std::string event = r.str();
            r.finish();
            named.push_back(answers.next(state, event));
            w.u8(0);
            w.str(named.back());
            break;
        }
        case p::kAskHolds: {
            std::string state = r.str();
            r.finish();
            std::vector<bool> holds = answers.holds(state);
            w.u8(0);
            for (bool b : holds) w.boolean(b);
            told.verdicts.insert(std::move(state));
            return;
        }
        default: throw ProtocolError("a frame of unknown kind " + std::to_string(op));
    }
    write_lookahead(w, named, told, answers);
    write_verdicts(w, named, told, answers, invariants);
}

}  // namespace

HostProcess& explorer_host() {
    // An explorer may work a long time between two questions (one that does not
    // remember what it has seen runs to max_states on its own), so the host gets as
    // long as the longest lab 3 check; a check that runs out of time is the grader's
    // to report, as it always was.
    static std::unique_ptr<HostProcess> h;
    if (!h) h = std::make_unique<HostProcess>(::raftlab::check::built_file(RAFTLAB_EXPLORER_HOST), std::chrono::seconds(120));
    if (h->broken()) throw host::HostError(h->error());
    return *h;
}

void broke_protocol(const char* what, const ProtocolError& e) {
    explorer_host().fail(std::string("its process broke the protocol with the checks during ") + what + " (" +
                         e.what() + ")");
}

std::string explore_in_host(std::uint8_t model_kind, Answers& answers, const std::vector<std::string>& invariant_names,
                            std::size_t max_states) {
    HostProcess& h = explorer_host();
    Writer request;
    request.u8(p::kExplore);
    request.u8(model_kind);
    request.u64(max_states);
    request.u32(static_cast<std::uint32_t>(invariant_names.size()));
    for (const auto& name : invariant_names) request.str(name);
    h.send(request);
    Told told;
    std::string report;
    try {
        for (;;) {
            std::string frame = h.receive("explore()");
            Reader r(frame);
            const std::uint8_t op = r.u8();
            if (op == p::kReportPart) {
                if (report.size() + r.left() > p::kMaxReport) throw ProtocolError("a report larger than the limit");
                report.append(frame, 1);
                continue;
            }
            if (op == p::kEnd) {
                host::rethrow_if_exception(r);
                r.finish();
                return report;
            }
            Writer w;
            try {
                answer(op, r, w, answers, told, invariant_names.size());
            } catch (const ProtocolError&) {
                throw;
            } catch (...) {
                // The model or an invariant threw: the explorer gets the exception.
                w.clear();
                host::write_current_exception(w);
            }
            h.send(w);
        }
    } catch (const ProtocolError& e) {
        broke_protocol("explore()", e);
    }
}

std::string explore_opaque(Answers& answers, const std::vector<std::string>& invariant_names, std::size_t max_states) {
    return explore_in_host(p::kOpaqueModel, answers, invariant_names, max_states);
}

void report_broke_protocol(const ProtocolError& e) { broke_protocol("explore()", e); }

}  // namespace raftlab::modelcheck::detail
