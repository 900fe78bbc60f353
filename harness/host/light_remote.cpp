// light_remote.cpp: the judge's side of the lab 2 host (see raftlab/host/remote_light.h).
#include <memory>
#include <stdexcept>

#include "light_judge_codec.h"
#include "light_protocol.h"
#include "raftlab/check/check.h"
#include "raftlab/host/process.h"
#include "raftlab/host/remote_light.h"
#include "raftlab/host/serve.h"

#ifndef RAFTLAB_LIGHT_HOST
#error "RAFTLAB_LIGHT_HOST must name the lab 2 host executable"
#endif

namespace raftlab::light {
namespace {
namespace p = raftlab::host::light;
namespace codec = raftlab::host::light_judge;
using host::HostError;
using host::HostProcess;
using host::ProtocolError;
using host::Reader;
using host::Writer;

std::unique_ptr<HostProcess>& slot() {
    static std::unique_ptr<HostProcess> h;
    return h;
}

std::uint64_t generation = 0;        // counts the hosts started: a Steps knows its own
Steps* open_steps = nullptr;        // the Steps whose answers the host may still be sending

HostProcess& process() {
    auto& h = slot();
    if (!h) {
        h = std::make_unique<HostProcess>(::raftlab::check::built_file(RAFTLAB_LIGHT_HOST));
        ++generation;
    }
    if (h->broken()) throw HostError(h->error());
    return *h;
}

/// A host that is still answering an abandoned event sequence cannot answer anything
/// else in order: it is ended, and the next call starts a new one. (A host that failed stays
/// failed: every later call repeats its sentence.)
void drop_host_mid_answer() {
    if (slot() && !slot()->broken()) slot().reset();
}

/// Another call is about to go to the host: a sequence still being read ends here.
void settle_open_steps() {
    if (open_steps) open_steps->abandon();
}

[[noreturn]] void broke_protocol(HostProcess& h, const char* what, const ProtocolError& e) {
    h.fail(std::string("its process broke the protocol with the checks during ") + what + " (" + e.what() + ")");
}

template <class Read>
auto call(const Writer& w, const char* what, Read read) {
    settle_open_steps();
    HostProcess& h = process();
    h.send(w);
    std::string frame = h.receive(what);
    try {
        Reader r(frame);
        host::rethrow_if_exception(r);
        auto v = read(r);
        r.finish();
        return v;
    } catch (const ProtocolError& e) {
        broke_protocol(h, what, e);
    }
}

}  // namespace

State initial_state() {
    Writer w;
    w.u8(p::kInitialState);
    return call(w, "initial_state()", [](Reader& r) { return codec::read_state(r); });
}

Step next(const State& state, Event event) {
    Writer w;
    w.u8(p::kNext);
    codec::write_state(w, state);
    w.u8(codec::code(event));
    return call(w, "next()", [](Reader& r) { return codec::read_step(r); });
}

/// The second run of a sequence whose first host failed part way (see Steps).
struct Steps::Retry {
    std::string first_error;           // the first host's sentence, which the check gets
    std::unique_ptr<HostProcess> host;  // runs the sequence again, one flush per answer
    std::size_t skip = 0;               // its first answers, which the check already has
};

Steps::Steps(const State& from, const std::vector<Event>& events, int calls_per_event)
    : calls_(static_cast<std::size_t>(calls_per_event)), total_(events.size() * calls_) {
    if (calls_per_event < 1 || calls_per_event > 255)
        throw std::invalid_argument("light::Steps: calls_per_event must be 1 to 255");
    if (events.size() > p::kMaxRun) throw std::invalid_argument("light::Steps: too many events for one request");
    settle_open_steps();
    HostProcess& h = process();
    Writer w;
    w.u8(p::kRun);
    w.u8(0);  // flags
    w.u8(static_cast<std::uint8_t>(calls_per_event));
    codec::write_state(w, from);
    w.u32(static_cast<std::uint32_t>(events.size()));
    for (Event e : events) w.u8(codec::code(e));
    h.send(w);
    request_ = std::move(w.bytes());
    host_generation_ = generation;
    ended_ = total_ == 0;
    if (!ended_) open_steps = this;
}

Steps::~Steps() { abandon(); }

void Steps::abandon() {
    if (open_steps != this) return;
    open_steps = nullptr;
    if (ended_) return;
    ended_ = true;
    if (retry_) {
        // The check stopped before the point where the first host failed: it would
        // never have made the call that failed. A new host answers what comes next.
        retry_.reset();
        slot().reset();
    } else {
        drop_host_mid_answer();
    }
}

void Steps::fail_as_first_host() {
    ended_ = true;
    open_steps = nullptr;
    throw HostError(retry_->first_error);
}

void Steps::start_retry(const std::string& error) {
    retry_ = std::make_unique<Retry>();
    retry_->first_error = error;
    retry_->skip = read_;
    try {
        retry_->host = std::make_unique<HostProcess>(::raftlab::check::built_file(RAFTLAB_LIGHT_HOST));
        Writer w;
        w.bytes() = request_;
        w.bytes()[1] = static_cast<char>(p::kFlushEachAnswer);
        retry_->host->send(w);
    } catch (const HostError&) {
        fail_as_first_host();
    }
}

/// The next frame of this sequence: from the first host, or, once that failed, from
/// the second run, up to where the first one failed.
std::string Steps::receive() {
    if (!retry_) {
        try {
            return process().receive("next()");
        } catch (const HostError& e) {
            start_retry(e.what());
        }
    }
    for (;;) {
        // The last answer, and an exception, are where a pure next() failed the first
        // time at the latest: from there on the check gets the first host's sentence.
        if (read_ + 1 >= total_) fail_as_first_host();
        std::string frame;
        try {
            frame = retry_->host->receive("next()");
        } catch (const HostError&) {
            fail_as_first_host();
        }
        if (retry_->skip > 0) {
            --retry_->skip;
            continue;
        }
        if (frame.empty() || frame[0] != 0) fail_as_first_host();
        return frame;
    }
}

Step Steps::next(std::size_t i, int call) {
    const std::size_t want = i * calls_ + static_cast<std::size_t>(call);
    if (call < 0 || static_cast<std::size_t>(call) >= calls_ || want >= total_ || want < read_)
        throw std::logic_error("light::Steps::next(" + std::to_string(i) + ", " + std::to_string(call) +
                               "): answers are read once each, in order, within the sequence");
    if (ended_ || open_steps != this || host_generation_ != generation)
        throw std::logic_error("light::Steps::next(): the sequence already ended, or another call to the host "
                               "came before its end");
    for (;;) {
        std::string frame = receive();
        ++read_;
        try {
            Reader r(frame);
            const std::uint8_t kind = r.u8();
            if (kind != 0) {
                if (kind > static_cast<std::uint8_t>(host::ExceptionKind::not_std))
                    throw ProtocolError("unknown exception kind " + std::to_string(kind));
                std::string thrown = r.str();
                r.finish();
                ended_ = true;
                open_steps = nullptr;
                if (thrown.size() > 4096) thrown = thrown.substr(0, 4096) + "...";
                host::raise_exception(static_cast<host::ExceptionKind>(kind), thrown);
            }
            Step step = codec::read_step(r);
            r.finish();
            if (read_ == total_) {
                ended_ = true;
                open_steps = nullptr;
            }
            if (read_ == want + 1) return step;
        } catch (const ProtocolError& e) {
            if (retry_) fail_as_first_host();
            ended_ = true;
            open_steps = nullptr;
            broke_protocol(process(), "next()", e);
        }
    }
}

}  // namespace raftlab::light
