// log_host_main.cpp: the implementation host of lab 4. It runs the student's Log
// (raft/log.h) in a process of its own and answers the judge (remote_log.cpp).
#include <map>
#include <memory>

#include "log_protocol.h"
#include "raft/log.h"
#include "raftlab/host/serve.h"

namespace {
using namespace raftlab;
using namespace raftlab::host;
namespace p = raftlab::host::log;

std::uint8_t result_code(AppendResult r) {
    switch (r) {
        case AppendResult::accepted: return 0;
        case AppendResult::missing_prev: return 1;
        case AppendResult::prev_term_mismatch: return 2;
    }
    return 255;  // not one of the three: the judge says so
}

/// Writes (ok, value) for one read; ok is false when the student's code threw.
template <class F>
void optional_read(Writer& w, F f) {
    try {
        std::uint64_t v = f();
        w.boolean(true);
        w.u64(v);
    } catch (...) {
        w.boolean(false);
        w.u64(0);
    }
}

void write_view(Writer& w, const Log& log) {
    Index last = 0;
    bool last_ok = true;
    try {
        last = log.last_index();
    } catch (...) {
        last_ok = false;
    }
    w.boolean(last_ok);
    w.u64(last);
    optional_read(w, [&] { return log.last_term(); });
    optional_read(w, [&] { return log.term_at(0); });
    Writer entries;
    std::uint32_t count = 0;
    for (Index i = 1; last_ok && i <= last && i <= p::kMaxView; ++i) {
        try {
            Term t = log.term_at(i);
            const LogEntry& e = log.at(i);
            entries.u64(t);
            entries.entry(e);
            ++count;
        } catch (...) {
            break;
        }
    }
    w.u32(count);
    w.bytes() += entries.bytes();
}

bool changes_the_log(std::uint8_t op) {
    return op == p::kCreate || op == p::kAppend || op == p::kAppendEntries || op == p::kTruncateFrom;
}

void handle(Reader& r, HostChannel& channel, std::map<std::uint32_t, std::unique_ptr<Log>>& logs) {
    const std::uint8_t op = r.u8();
    const std::uint32_t id = r.u32();
    if (op == p::kDestroy) {
        logs.erase(id);
        return;
    }
    Writer w;
    try {
        if (op == p::kCreate) {
            logs[id] = std::make_unique<Log>();
            w.u8(0);
        } else {
            auto it = logs.find(id);
            if (it == logs.end()) throw ProtocolError("no such log");
            Log& log = *it->second;
            Writer out;
            switch (op) {
                case p::kLastIndex: out.u64(log.last_index()); break;
                case p::kLastTerm: out.u64(log.last_term()); break;
                case p::kTermAt: out.u64(log.term_at(r.u64())); break;
                case p::kAt: out.entry(log.at(r.u64())); break;
                case p::kEntriesFrom: {
                    Index first = r.u64();
                    std::uint64_t max = r.u64();
                    out.entries(log.entries_from(first, static_cast<std::size_t>(max)));
                    break;
                }
                case p::kAppend: out.u64(log.append(r.entry())); break;
                case p::kAppendEntries: {
                    Index prev_index = r.u64();
                    Term prev_term = r.u64();
                    std::vector<LogEntry> entries = r.entries();
                    out.u8(result_code(log.append_entries(prev_index, prev_term, entries)));
                    break;
                }
                case p::kTruncateFrom: log.truncate_from(r.u64()); break;
                case p::kView: write_view(out, log); break;
                default: throw ProtocolError("unknown request");
            }
            w.u8(0);
            w.bytes() += out.bytes();
        }
    } catch (const ProtocolError&) {
        throw;
    } catch (...) {
        w.clear();
        write_current_exception(w);
    }
    if (changes_the_log(op)) {
        // The judge's next reads come from this view: one round trip per change.
        Writer framed;
        auto it = logs.find(id);
        framed.boolean(it != logs.end());
        if (it != logs.end()) write_view(framed, *it->second);
        framed.bytes() += w.bytes();
        channel.send(framed);
        return;
    }
    channel.send(w);
}

}  // namespace

int main() {
    std::map<std::uint32_t, std::unique_ptr<Log>> logs;
    return raftlab::host::serve([&](Reader& r, HostChannel& channel) { handle(r, channel, logs); });
}
