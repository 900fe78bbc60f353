// network_remote.cpp: the judge's side of the lab 5 host (see
// raftlab/host/remote_network.h for what is batched and why).
#include "raftlab/host/remote_network.h"

#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>

#include "network_protocol.h"
#include "raftlab/check/check.h"
#include "raftlab/host/process.h"
#include "raftlab/host/serve.h"

#ifndef RAFTLAB_NETWORK_HOST
#error "RAFTLAB_NETWORK_HOST must name the lab 5 host executable"
#endif

namespace raftlab {
namespace {
namespace p = raftlab::host::network;
using host::HostProcess;
using host::Reader;
using host::Writer;

/// At most this many requests go out without an answer: a guess that was wrong
/// surfaces within that many calls, whatever the check does.
constexpr std::size_t kMaxPipelined = 4096;

/// One read as the student's code answered it: ok is false when it threw.
struct Value {
    bool ok = false;
    std::uint64_t v = 0;
};

const char* name_of(std::uint8_t op) {
    switch (op) {
        case p::kCreate: return "Network()";
        case p::kDestroy: return "~Network()";
        case p::kView: return "reading the network";
        case p::kSize: return "size()";
        case p::kNow: return "now()";
        case p::kWaiting: return "waiting()";
        case p::kIsUp: return "is_up()";
        case p::kSent: return "sent()";
        case p::kDelivered: return "delivered()";
        case p::kDropped: return "dropped()";
        case p::kSend: return "send()";
        case p::kAdvance: return "advance()";
        case p::kReceive: return "receive()";
        case p::kReceiveNothing: return "receive()";
        case p::kVerify: return "reading the network";
        case p::kSetUp: return "set_up()";
        case p::kKillLink: return "kill_link()";
        case p::kRestoreLink: return "restore_link()";
        case p::kSetDelay: return "set_delay()";
        case p::kSetLoss: return "set_loss()";
        case p::kPartition: return "partition()";
        case p::kHeal: return "heal()";
    }
    return "a call";
}

/// A guess the host checks (see remote_network.h): a read answered from a view
/// taken before some send() calls, or a receive() answered with "nothing".
struct Prediction {
    std::uint8_t op = 0;  // kSize, kNow, kWaiting, kIsUp or kReceiveNothing
    NodeId node = 0;
    std::uint64_t before = 0;

    /// What the student's code did instead (for Mispredicted::what).
    std::string failed(bool threw, const std::string& what, std::uint64_t after) const {
        const std::string n = std::to_string(node);
        if (op == p::kReceiveNothing)
            return "waiting(" + n + ") was 0 and advance() was not called since, yet receive(" + n +
                   ") returned a message";
        std::string read = name_of(op);
        if (op == p::kWaiting || op == p::kIsUp) read.insert(read.size() - 1, n);
        return read + " was " + std::to_string(before) + " before send() and " +
               (threw ? "threw after it (" + what + ")" : std::to_string(after) + " after it");
    }
};

/// The lab 5 host of this judge thread, and what the judge has told it since its
/// last answer.
class Session {
public:
    /// Every change counts in `epoch`; every change but send() and a receive() that
    /// was answered "nothing" also counts in `loud` (see remote_network.h).
    std::uint64_t epoch = 1;
    std::uint64_t loud = 1;
    bool speculating = false;

    // The host starts with the session, so that what HostProcess keeps per thread
    // (its zygotes) is made before the session and outlives it at thread exit.
    Session() : process_(std::make_unique<HostProcess>(::raftlab::check::built_file(RAFTLAB_NETWORK_HOST))) {}

    HostProcess& process() {
        if (process_->broken()) throw host::HostError(process_->error());
        return *process_;
    }

    /// True when requests went out that the host has not answered yet.
    bool pending() const { return !pending_ops_.empty(); }
    bool broken() const { return process_->broken(); }

    /// Queues a request the host does not answer. Returns true when so many are
    /// queued that the caller should wait for the host now (kMaxPipelined).
    bool post(const Writer& w) {
        HostProcess& h = process();
        h.send(w);
        note(static_cast<std::uint8_t>(w.bytes()[0]));
        queued_bytes_ += w.bytes().size();
        if (queued_bytes_ > (1u << 20)) {
            queued_bytes_ = 0;
            h.flush(during().c_str());
        }
        return ++queued_ >= kMaxPipelined;
    }

    /// Notes a guess for the next request to carry to the host; returns its tag.
    std::uint32_t predict(Prediction prediction) {
        predictions_.push_back(prediction);
        return static_cast<std::uint32_t>(predictions_.size() - 1);
    }

    /// Sends `w` with kReply and waits for the answer. Throws what an earlier
    /// pipelined request left behind (the student's exception, or Mispredicted);
    /// otherwise returns the answer of `w`, which ran.
    std::string exchange(Writer& w) {
        HostProcess& h = process();
        w.bytes()[1] = static_cast<char>(p::kReply);
        h.send(w);
        note(static_cast<std::uint8_t>(w.bytes()[0]));
        const std::string calls = during();
        pending_ops_.clear();
        queued_ = queued_bytes_ = 0;
        const std::vector<Prediction> predictions = std::move(predictions_);
        predictions_.clear();
        std::string frame = h.receive(calls.c_str());
        try {
            Reader r(frame);
            const std::uint8_t status = r.u8();
            if (status == p::kExecuted) return frame;
            // A pipelined request went wrong and the host skipped the rest: every
            // view is out of date.
            ++epoch;
            ++loud;
            if (status == p::kEarlierThrew) {
                r.u8();  // the op that threw (its exception says enough)
                host::rethrow_if_exception(r);
                throw host::ProtocolError("an earlier call threw nothing");
            }
            if (status == p::kMispredicted) {
                const std::uint32_t tag = r.u32();
                if (tag >= predictions.size()) throw host::ProtocolError("an unknown guess");
                const bool threw = r.boolean();
                std::string what;
                std::uint64_t after = 0;
                if (threw) {
                    r.u8();  // the exception's kind
                    what = r.str();
                } else {
                    after = r.u64();
                }
                r.finish();
                throw host::Mispredicted{predictions[tag].failed(threw, what, after)};
            }
            throw host::ProtocolError("unknown reply status " + std::to_string(status));
        } catch (const host::ProtocolError& e) {
            h.fail("its process broke the protocol with the checks during " + calls + " (" + e.what() + ")");
        }
    }

private:
    /// The calls the host was busy with, for HostProcess's sentences: "send() or receive()".
    std::string during() const {
        std::string out;
        for (std::size_t i = 0; i < pending_ops_.size(); ++i) {
            if (i > 0) out += i + 1 == pending_ops_.size() ? " or " : ", ";
            out += name_of(pending_ops_[i]);
        }
        return out;
    }

    void note(std::uint8_t op) {
        const char* name = name_of(op);
        for (std::uint8_t seen : pending_ops_)
            if (std::strcmp(name_of(seen), name) == 0) return;
        pending_ops_.push_back(op);
    }

    std::unique_ptr<HostProcess> process_;
    std::vector<std::uint8_t> pending_ops_;  // distinct ops since the last answer
    std::vector<Prediction> predictions_;    // by tag, since the last answer
    std::size_t queued_ = 0, queued_bytes_ = 0;
};

/// One host per judge thread, like HostProcess's zygotes: a Network is used by the
/// thread that made it.
Session& session() {
    thread_local Session s;
    return s;
}

Writer request(std::uint8_t op, std::uint32_t id) {
    Writer w;
    w.u8(op);
    w.u8(0);  // flags; exchange() sets kReply
    w.u32(id);
    return w;
}

Value read_value(Reader& r) {
    Value v;
    v.ok = r.boolean();
    v.v = r.u64();
    return v;
}

}  // namespace

struct Network::View {
    std::uint64_t epoch = 0;  // Session::epoch and loud when it was taken
    std::uint64_t loud = 0;
    Value size, now, sent, delivered, dropped;
    std::vector<Value> waiting, up;
    // The epoch at which the host last checked a read answered from this view.
    std::uint64_t size_checked = 0, now_checked = 0;
    std::vector<std::uint64_t> waiting_checked, up_checked;
};

namespace {

std::shared_ptr<Network::View> read_view(Reader& r) {
    auto v = std::make_shared<Network::View>();
    const Session& s = session();
    v->epoch = s.epoch;
    v->loud = s.loud;
    v->size = read_value(r);
    v->now = read_value(r);
    v->sent = read_value(r);
    v->delivered = read_value(r);
    v->dropped = read_value(r);
    const std::uint32_t n = r.u32();
    if (n > p::kMaxViewNodes || n > r.left() / 18) throw host::ProtocolError("a view longer than its frame");
    for (std::uint32_t i = 0; i < n; ++i) {
        v->waiting.push_back(read_value(r));
        v->up.push_back(read_value(r));
    }
    v->waiting_checked.assign(n, 0);
    v->up_checked.assign(n, 0);
    return v;
}

/// Sends `w` and waits. The answer's view replaces `view`; then the student's
/// exception is rethrown, or `read` turns the rest of the answer into the result.
template <class Read>
auto call(Writer w, std::shared_ptr<Network::View>& view, Read read) {
    Session& s = session();
    std::string frame = s.exchange(w);
    try {
        Reader r(frame);
        r.u8();  // kExecuted
        if (r.boolean()) view = read_view(r);
        host::rethrow_if_exception(r);
        auto v = read(r);
        r.finish();
        return v;
    } catch (const host::ProtocolError& e) {
        s.process().fail(std::string("its process broke the protocol with the checks during ") +
                         name_of(static_cast<std::uint8_t>(w.bytes()[0])) + " (" + e.what() + ")");
    }
}

struct Nothing {};
auto nothing = [](Reader&) { return Nothing{}; };
auto u64 = [](Reader& r) { return r.u64(); };

/// Queues a request the host does not answer; waits for the host when many are queued.
void post(std::uint32_t id, const Writer& w) {
    if (session().post(w)) {
        std::shared_ptr<Network::View> ignored;
        call(request(p::kView, id), ignored, nothing);
    }
}

/// The view, fetched again unless it is from after the last change (or, when
/// speculating, from after the last change other than send()).
Network::View& current(std::uint32_t id, std::shared_ptr<Network::View>& view) {
    const Session& s = session();
    const bool good = view && (s.speculating ? view->loud == s.loud : view->epoch == s.epoch);
    if (!good) call(request(p::kView, id), view, nothing);
    return *view;
}

/// A read send() does not change, from the view; the host checks it when sends came
/// since. nullptr when the student's code threw (ask the host, to get the exception).
const Value* steady_read(std::uint32_t id, Network::View& view, const Value& value, std::uint64_t& checked,
                         std::uint8_t op, NodeId node) {
    if (!value.ok) return nullptr;
    Session& s = session();
    if (view.epoch != s.epoch && checked != s.epoch) {
        checked = s.epoch;
        Writer w = request(p::kVerify, id);
        w.u8(op);
        w.i32(node);
        w.u32(s.predict(Prediction{op, node, value.v}));
        w.u64(value.v);
        post(id, w);
    }
    return &value;
}

/// A counter: send() changes them, so the view must be from after the last change.
std::uint64_t counter(std::uint32_t id, std::shared_ptr<Network::View>& view, Value Network::View::*field,
                      std::uint8_t op) {
    if (!view || view->epoch != session().epoch) call(request(p::kView, id), view, nothing);
    if ((*view.*field).ok) return (*view.*field).v;
    return call(request(op, id), view, u64);
}

/// A change: pipelined when its arguments are valid by the contract, else sent and
/// waited for. `quiet`: by the contract it changes nothing but the counters.
void change(std::uint32_t id, Writer w, std::shared_ptr<Network::View>& view, bool valid, bool quiet) {
    Session& s = session();
    ++s.epoch;
    if (!quiet || !valid) ++s.loud;
    if (valid)
        post(id, w);
    else
        call(std::move(w), view, nothing);
}

}  // namespace

namespace host {
Speculation::Speculation() : previous_(session().speculating) { session().speculating = true; }
Speculation::~Speculation() { session().speculating = previous_; }
}  // namespace host

Network::Network(int nodes, std::uint64_t seed) {
    static std::uint32_t next_id = 0;
    const std::uint32_t id = ++next_id;
    Session& s = session();
    ++s.epoch;
    ++s.loud;
    Writer w = request(p::kCreate, id);
    w.i32(nodes);
    w.u64(seed);
    call(std::move(w), view_, nothing);
    id_ = id;
    nodes_ = nodes;
    uncaught_ = std::uncaught_exceptions();
}

Network::~Network() noexcept(false) { release(); }

void Network::release() {
    if (id_ == 0) return;
    const std::uint32_t id = id_;
    id_ = 0;
    view_.reset();
    Session& s = session();
    const bool unwinding = std::uncaught_exceptions() > uncaught_;
    auto destroy = [&] {
        try {
            ++s.epoch;
            ++s.loud;
            s.post(request(p::kDestroy, id));
        } catch (...) {
            // A host that is gone holds no networks.
        }
    };
    if (s.pending() && !s.broken()) {
        // What a pipelined call left behind must reach the check, as it would have
        // at the call itself.
        try {
            std::shared_ptr<View> ignored;
            call(request(p::kView, id), ignored, nothing);
        } catch (...) {
            destroy();
            if (!unwinding) throw;
            return;
        }
    }
    destroy();
}

Network::Network(Network&& other) noexcept
    : id_(other.id_), nodes_(other.nodes_), uncaught_(other.uncaught_), view_(std::move(other.view_)) {
    other.id_ = 0;
}

Network& Network::operator=(Network&& other) {
    if (this != &other) {
        release();
        id_ = other.id_;
        nodes_ = other.nodes_;
        uncaught_ = other.uncaught_;
        view_ = std::move(other.view_);
        other.id_ = 0;
    }
    return *this;
}

int Network::size() const {
    View& v = current(id_, view_);
    if (const Value* x = steady_read(id_, v, v.size, v.size_checked, p::kSize, 0))
        return static_cast<int>(static_cast<std::int64_t>(x->v));
    return static_cast<int>(static_cast<std::int64_t>(call(request(p::kSize, id_), view_, u64)));
}

Time Network::now() const {
    View& v = current(id_, view_);
    if (const Value* x = steady_read(id_, v, v.now, v.now_checked, p::kNow, 0)) return static_cast<Time>(x->v);
    return static_cast<Time>(call(request(p::kNow, id_), view_, u64));
}

std::size_t Network::waiting(NodeId node) const {
    if (valid(node)) {
        View& v = current(id_, view_);
        const auto i = static_cast<std::size_t>(node);
        if (i < v.waiting.size())
            if (const Value* x = steady_read(id_, v, v.waiting[i], v.waiting_checked[i], p::kWaiting, node))
                return static_cast<std::size_t>(x->v);
    }
    Writer w = request(p::kWaiting, id_);
    w.i32(node);
    return static_cast<std::size_t>(call(std::move(w), view_, u64));
}

bool Network::is_up(NodeId node) const {
    if (valid(node)) {
        View& v = current(id_, view_);
        const auto i = static_cast<std::size_t>(node);
        if (i < v.up.size())
            if (const Value* x = steady_read(id_, v, v.up[i], v.up_checked[i], p::kIsUp, node)) return x->v != 0;
    }
    Writer w = request(p::kIsUp, id_);
    w.i32(node);
    return call(std::move(w), view_, u64) != 0;
}

std::uint64_t Network::sent() const { return counter(id_, view_, &View::sent, p::kSent); }
std::uint64_t Network::delivered() const { return counter(id_, view_, &View::delivered, p::kDelivered); }
std::uint64_t Network::dropped() const { return counter(id_, view_, &View::dropped, p::kDropped); }

void Network::send(NodeId from, NodeId to, std::string payload) {
    Writer w = request(p::kSend, id_);
    w.i32(from);
    w.i32(to);
    w.str(payload);
    change(id_, std::move(w), view_, valid(from) && valid(to), true);
}

void Network::advance(Time ticks) {
    Writer w = request(p::kAdvance, id_);
    w.i64(ticks);
    change(id_, std::move(w), view_, ticks >= 0, false);
}

std::optional<Envelope> Network::receive(NodeId node) {
    Session& s = session();
    if (s.speculating && valid(node) && view_ && view_->loud == s.loud) {
        const auto i = static_cast<std::size_t>(node);
        if (i < view_->waiting.size() && view_->waiting[i].ok && view_->waiting[i].v == 0) {
            // Nothing was waiting: answer now, and let the host confirm it.
            ++s.epoch;
            Writer w = request(p::kReceiveNothing, id_);
            w.i32(node);
            w.u32(s.predict(Prediction{p::kReceiveNothing, node, 0}));
            post(id_, w);
            return std::nullopt;
        }
    }
    ++s.epoch;
    ++s.loud;
    Writer w = request(p::kReceive, id_);
    w.i32(node);
    return call(std::move(w), view_, [](Reader& r) -> std::optional<Envelope> {
        if (!r.boolean()) return std::nullopt;
        Envelope e;
        e.from = r.i32();
        e.to = r.i32();
        e.payload = r.str();
        e.sent_at = r.i64();
        e.arrived_at = r.i64();
        return e;
    });
}

void Network::set_up(NodeId node, bool up) {
    Writer w = request(p::kSetUp, id_);
    w.i32(node);
    w.boolean(up);
    change(id_, std::move(w), view_, valid(node), false);
}

void Network::kill_link(NodeId from, NodeId to) {
    Writer w = request(p::kKillLink, id_);
    w.i32(from);
    w.i32(to);
    change(id_, std::move(w), view_, valid(from) && valid(to), false);
}

void Network::restore_link(NodeId from, NodeId to) {
    Writer w = request(p::kRestoreLink, id_);
    w.i32(from);
    w.i32(to);
    change(id_, std::move(w), view_, valid(from) && valid(to), false);
}

void Network::set_delay(Time min_delay, Time max_delay) {
    Writer w = request(p::kSetDelay, id_);
    w.i64(min_delay);
    w.i64(max_delay);
    change(id_, std::move(w), view_, 0 <= min_delay && min_delay <= max_delay, false);
}

void Network::set_loss(double loss) {
    Writer w = request(p::kSetLoss, id_);
    std::uint64_t bits;
    std::memcpy(&bits, &loss, sizeof bits);
    w.u64(bits);
    change(id_, std::move(w), view_, loss >= 0.0 && loss <= 1.0, false);
}

void Network::partition(const std::vector<std::vector<NodeId>>& groups) {
    Writer w = request(p::kPartition, id_);
    bool ok = true;
    w.u32(static_cast<std::uint32_t>(groups.size()));
    for (const auto& g : groups) {
        w.u32(static_cast<std::uint32_t>(g.size()));
        for (NodeId node : g) {
            w.i32(node);
            ok = ok && valid(node);
        }
    }
    change(id_, std::move(w), view_, ok, false);
}

void Network::heal() { change(id_, request(p::kHeal, id_), view_, true, false); }

}  // namespace raftlab
