// remote_log.cpp: the judge's side of the lab 4 host (see raftlab/host/remote_log.h).
#include "raftlab/host/remote_log.h"

#include <memory>

#include "log_protocol.h"
#include "raftlab/check/check.h"
#include "raftlab/host/process.h"
#include "raftlab/host/serve.h"

#ifndef RAFTLAB_LOG_HOST
#error "RAFTLAB_LOG_HOST must name the lab 4 host executable"
#endif

namespace raftlab {
namespace {
namespace p = raftlab::host::log;
using host::HostProcess;
using host::Reader;
using host::Writer;

HostProcess& process() {
    static std::unique_ptr<HostProcess> h;
    if (!h) h = std::make_unique<HostProcess>(::raftlab::check::built_file(RAFTLAB_LOG_HOST));
    if (h->broken()) throw host::HostError(h->error());
    return *h;
}

const char* name_of(std::uint8_t op) {
    switch (op) {
        case p::kCreate: return "Log()";
        case p::kLastIndex: return "last_index()";
        case p::kLastTerm: return "last_term()";
        case p::kTermAt: return "term_at()";
        case p::kAt: return "at()";
        case p::kEntriesFrom: return "entries_from()";
        case p::kAppend: return "append()";
        case p::kAppendEntries: return "append_entries()";
        case p::kTruncateFrom: return "truncate_from()";
        case p::kView: return "reading the log";
    }
    return "a call";
}

Writer request(std::uint8_t op, std::uint32_t id) {
    Writer w;
    w.u8(op);
    w.u32(id);
    return w;
}

/// Sends `w`, waits for the answer, rethrows the student's exception, and returns
/// what `read` makes of the rest.
template <class Read, class Before>
auto call(const Writer& w, Read read, Before before) {
    HostProcess& h = process();
    const char* what = name_of(static_cast<std::uint8_t>(w.bytes()[0]));
    h.send(w);
    std::string frame = h.receive(what);
    try {
        Reader r(frame);
        before(r);
        host::rethrow_if_exception(r);
        auto v = read(r);
        r.finish();
        return v;
    } catch (const host::ProtocolError& e) {
        h.fail(std::string("its process broke the protocol with the checks during ") + what + " (" + e.what() + ")");
    }
}

template <class Read>
auto call(const Writer& w, Read read) {
    return call(w, read, [](Reader&) {});
}

struct Nothing {};

}  // namespace

/// Everything the student's read functions returned after the last change.
struct Log::View {
    bool last_ok = false;
    Index last = 0;
    bool last_term_ok = false;
    Term last_term = 0;
    bool term0_ok = false;
    Term term0 = 0;
    std::vector<Term> terms;        // terms[i-1] = term_at(i)
    std::vector<LogEntry> entries;  // entries[i-1] = at(i)
};

std::shared_ptr<Log::View> Log::read_view(host::Reader& r) {
    auto v = std::make_shared<View>();
    v->last_ok = r.boolean();
    v->last = r.u64();
    v->last_term_ok = r.boolean();
    v->last_term = r.u64();
    v->term0_ok = r.boolean();
    v->term0 = r.u64();
    std::uint32_t n = r.u32();
    if (n > r.left() / 20) throw host::ProtocolError("a view longer than its frame");
    for (std::uint32_t i = 0; i < n; ++i) {
        v->terms.push_back(r.u64());
        v->entries.push_back(r.entry());
    }
    return v;
}

const Log::View* Log::view() const {
    if (!view_) view_ = call(request(p::kView, id_), [](Reader& r) { return read_view(r); });
    return view_.get();
}

/// Reads the view a reply to a change starts with.
auto Log::take_view() {
    return [this](Reader& r) {
        view_.reset();
        if (r.boolean()) view_ = read_view(r);
    };
}

Log::Log() {
    static std::uint32_t next_id = 0;
    std::uint32_t id = ++next_id;
    id_ = id;
    try {
        call(request(p::kCreate, id), [](Reader&) { return Nothing{}; }, take_view());
    } catch (...) {
        id_ = 0;
        throw;
    }
}

Log::~Log() {
    if (id_ == 0) return;
    try {
        HostProcess& h = process();
        h.send(request(p::kDestroy, id_));
    } catch (...) {
        // A dead host holds no logs.
    }
}

Log::Log(Log&& other) noexcept : id_(other.id_), view_(std::move(other.view_)) { other.id_ = 0; }

Log& Log::operator=(Log&& other) noexcept {
    if (this != &other) {
        Log dying(std::move(*this));
        id_ = other.id_;
        view_ = std::move(other.view_);
        other.id_ = 0;
    }
    return *this;
}

Index Log::last_index() const {
    if (const View* v = view(); v->last_ok) return v->last;
    return call(request(p::kLastIndex, id_), [](Reader& r) { return r.u64(); });
}

Term Log::last_term() const {
    if (const View* v = view(); v->last_term_ok) return v->last_term;
    return call(request(p::kLastTerm, id_), [](Reader& r) { return r.u64(); });
}

Term Log::term_at(Index index) const {
    const View* v = view();
    if (index == 0 && v->term0_ok) return v->term0;
    if (index >= 1 && index <= v->terms.size()) return v->terms[index - 1];
    Writer w = request(p::kTermAt, id_);
    w.u64(index);
    return call(w, [](Reader& r) { return r.u64(); });
}

LogEntry Log::at(Index index) const {
    const View* v = view();
    if (index >= 1 && index <= v->entries.size()) return v->entries[index - 1];
    Writer w = request(p::kAt, id_);
    w.u64(index);
    return call(w, [](Reader& r) { return r.entry(); });
}

std::vector<LogEntry> Log::entries_from(Index first, std::size_t max_count) const {
    Writer w = request(p::kEntriesFrom, id_);
    w.u64(first);
    w.u64(max_count);
    return call(w, [](Reader& r) { return r.entries(); });
}

Index Log::append(LogEntry entry) {
    changed();
    Writer w = request(p::kAppend, id_);
    w.entry(entry);
    return call(w, [](Reader& r) { return r.u64(); }, take_view());
}

AppendResult Log::append_entries(Index prev_index, Term prev_term, const std::vector<LogEntry>& entries) {
    changed();
    Writer w = request(p::kAppendEntries, id_);
    w.u64(prev_index);
    w.u64(prev_term);
    w.entries(entries);
    return call(w, [](Reader& r) {
        std::uint8_t v = r.u8();
        if (v > 2)
            throw std::runtime_error("append_entries returned a value that is none of accepted, missing_prev and "
                                     "prev_term_mismatch");
        return static_cast<AppendResult>(v);
    }, take_view());
}

void Log::truncate_from(Index first) {
    changed();
    Writer w = request(p::kTruncateFrom, id_);
    w.u64(first);
    call(w, [](Reader&) { return Nothing{}; }, take_view());
}

}  // namespace raftlab
