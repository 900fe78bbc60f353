// The fault proxy's state and its public C++ API (see raftlab/proxy/fault_proxy.h).
#include "proxy_state.h"

#include <boost/json.hpp>

#include <csignal>
#include <future>
#include <pthread.h>

namespace raftlab::proxy {
namespace json = boost::json;
using namespace std::chrono_literals;

std::uint64_t mix_seed(std::uint64_t seed, std::string_view text, std::uint64_t a, std::uint64_t b) {
    std::uint64_t h = 1469598103934665603ull ^ seed;
    auto mix = [&](unsigned char c) { h = (h ^ c) * 1099511628211ull; };
    for (char c : text) mix(static_cast<unsigned char>(c));
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(a >> (8 * i)));
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(b >> (8 * i)));
    return h;
}

// ---- State: runs on the I/O thread ---------------------------------------------

FaultProxy::State::State(std::uint64_t s, std::size_t capacity) : seed(s), journal_capacity(capacity) {}

template <class F>
auto FaultProxy::State::call(F f) -> decltype(f()) {
    if (io.get_executor().running_in_this_thread()) return f();
    using Result = decltype(f());
    auto task = std::make_shared<std::packaged_task<Result()>>(std::move(f));
    auto future = task->get_future();
    asio::post(io, [task] { (*task)(); });
    if (future.wait_for(5s) != std::future_status::ready)
        throw ProxyError("the proxy did not answer a control call within 5 s (is its I/O thread stuck?)");
    return future.get();
}

int FaultProxy::State::add_link(LinkSpec spec) {
    if (spec.name.empty()) spec.name = spec.from + "->" + spec.to;
    if (spec.name.empty() || spec.name == "->") throw ProxyError("a link needs a name or from/to node names");
    if (links.count(spec.name)) throw ProxyError("link " + spec.name + " already exists; pick another name");
    if (spec.target_port <= 0 || spec.target_port > 65535)
        throw ProxyError("link " + spec.name + ": target_port " + std::to_string(spec.target_port) + " must be in 1..65535");
    if (spec.listen_port < 0 || spec.listen_port > 65535)
        throw ProxyError("link " + spec.name + ": listen_port " + std::to_string(spec.listen_port) + " must be in 0..65535");
    auto link = std::make_shared<Link>(*this, spec);
    link->listen();
    links[link->spec.name] = link;
    apply_cuts();
    return link->spec.listen_port;
}

Link& FaultProxy::State::link(const std::string& name) {
    auto it = links.find(name);
    if (it == links.end()) throw ProxyError("no link named '" + name + "'; list them with `raftlab proxy status`");
    return *it->second;
}

void FaultProxy::State::remove_link(const std::string& name) {
    Link& l = link(name);
    l.stop_listening();
    l.close_connections(true);
    links.erase(name);
}

void FaultProxy::State::set_faults(const std::string& name, std::optional<Direction> d, const DirectionFaults& f) {
    validate(f);
    Link& l = link(name);
    // Frame faults need frames to act on: on a raw (byte-stream) link they would be
    // accepted and do nothing, which a person reads as "the network is fine".
    if (f.frames.any() && !l.spec.framed)
        throw FaultError("link " + name + " carries a raw byte stream, so it has no frames to drop, duplicate, "
                         "delay or reorder; use the byte faults (latency_ms, jitter_ms, bandwidth, slice_bytes, "
                         "blackhole) on it, or create it framed");
    if (!d || *d == Direction::forward) l.faults[0] = f;
    if (!d || *d == Direction::backward) l.faults[1] = f;
}

void FaultProxy::State::clear_faults() {
    for (auto& [name, l] : links) l->faults[0] = l->faults[1] = {};
}

void FaultProxy::State::set_down(const std::string& name, bool down) {
    Link& l = link(name);
    if (down == l.down) return;
    l.down = down;
    if (down) {
        l.stop_listening();
        l.close_connections(true);
    } else {
        l.listen();  // same port: spec.listen_port holds the one bound first
    }
}

void FaultProxy::State::add_cut(const std::string& from, const std::string& to) {
    if (from != to) cuts.insert({from, to});
}

void FaultProxy::State::apply_cuts() {
    for (auto& [name, l] : links) {
        bool forward = cuts.count({l->spec.from, l->spec.to}) > 0;
        bool backward = cuts.count({l->spec.to, l->spec.from}) > 0;
        bool healed[2] = {l->cut[0] && !forward, l->cut[1] && !backward};
        l->cut[0] = forward;
        l->cut[1] = backward;
        if (healed[0]) l->heal(Direction::forward);
        if (healed[1]) l->heal(Direction::backward);
    }
}

void FaultProxy::State::partition(const std::vector<std::vector<std::string>>& groups) {
    std::map<std::string, std::size_t> group_of;
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (const auto& node : groups[g])
            if (!group_of.emplace(node, g).second)
                throw ProxyError("node " + node + " is in two partition groups; list each node once");
    for (const auto& [a, ga] : group_of)
        for (const auto& [b, gb] : group_of)
            if (ga != gb) add_cut(a, b);
    apply_cuts();
}

void FaultProxy::State::heal() {
    cuts.clear();
    apply_cuts();
}

void FaultProxy::State::heal_all() {
    heal();
    clear_faults();
    for (auto& [name, l] : links) set_down(name, false);
}

std::vector<LinkStatus> FaultProxy::State::statuses() {
    std::vector<LinkStatus> out;
    for (auto& [name, l] : links) out.push_back(l->status());
    return out;
}

void FaultProxy::State::record(JournalEntry entry) {
    entry.seq = ++journal_seq;
    if (listener) listener(entry);
    journal.push_back(std::move(entry));
    while (journal.size() > journal_capacity) journal.pop_front();
}

std::vector<JournalEntry> FaultProxy::State::journal_since(std::uint64_t since, std::size_t limit) const {
    std::vector<JournalEntry> out;
    auto it = std::lower_bound(journal.begin(), journal.end(), since + 1,
                               [](const JournalEntry& e, std::uint64_t seq) { return e.seq < seq; });
    for (; it != journal.end() && out.size() < limit; ++it) out.push_back(*it);
    return out;
}

// ---- FaultProxy: the public API, posted to the I/O thread ----------------------

FaultProxy::FaultProxy(std::uint64_t seed, std::size_t journal_capacity)
    : state_(std::make_unique<State>(seed, journal_capacity)) {
    state_->thread = std::thread([s = state_.get()] {
        // A write to a connection the peer has closed must fail with EPIPE, not kill
        // the whole process (splice(2) has no MSG_NOSIGNAL): block SIGPIPE here; it
        // is directed at the thread that caused it, so the rest of the process is
        // unaffected.
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
        auto work = asio::make_work_guard(s->io);
        s->io.run();
    });
}

FaultProxy::~FaultProxy() {
    try {
        state_->call([s = state_.get()] {
            for (auto& [name, l] : s->links) {
                l->stop_listening();
                l->close_connections(true);
            }
            s->links.clear();
            boost::system::error_code ignored;
            if (s->control) s->control->close(ignored);
        });
    } catch (const std::exception&) {
    }
    state_->io.stop();
    state_->thread.join();
}

int FaultProxy::add_link(LinkSpec spec) {
    return state_->call([s = state_.get(), spec] { return s->add_link(spec); });
}

void FaultProxy::remove_link(const std::string& link) {
    state_->call([s = state_.get(), link] { s->remove_link(link); });
}

void FaultProxy::set_faults(const std::string& link, Direction d, const DirectionFaults& f) {
    state_->call([s = state_.get(), link, d, f] { s->set_faults(link, d, f); });
}

void FaultProxy::set_faults(const std::string& link, const DirectionFaults& f) {
    state_->call([s = state_.get(), link, f] { s->set_faults(link, std::nullopt, f); });
}

void FaultProxy::clear_faults() {
    state_->call([s = state_.get()] { s->clear_faults(); });
}

void FaultProxy::reset(const std::string& link) {
    state_->call([s = state_.get(), link] { s->link(link).close_connections(true); });
}

void FaultProxy::set_down(const std::string& link, bool down) {
    state_->call([s = state_.get(), link, down] { s->set_down(link, down); });
}

void FaultProxy::partition(const std::vector<std::vector<std::string>>& groups) {
    state_->call([s = state_.get(), groups] { s->partition(groups); });
}

void FaultProxy::cut_one_way(const std::vector<std::string>& from, const std::vector<std::string>& to) {
    state_->call([s = state_.get(), from, to] {
        for (const auto& a : from)
            for (const auto& b : to) s->add_cut(a, b);
        s->apply_cuts();
    });
}

void FaultProxy::heal() {
    state_->call([s = state_.get()] { s->heal(); });
}

void FaultProxy::heal_all() {
    state_->call([s = state_.get()] { s->heal_all(); });
}

std::vector<LinkStatus> FaultProxy::links() {
    return state_->call([s = state_.get()] { return s->statuses(); });
}

std::vector<JournalEntry> FaultProxy::journal(std::uint64_t since, std::size_t limit) {
    return state_->call([s = state_.get(), since, limit] { return s->journal_since(since, limit); });
}

void FaultProxy::set_journal_listener(std::function<void(const JournalEntry&)> listener) {
    state_->call([s = state_.get(), listener] { s->listener = listener; });
}

int FaultProxy::serve_control(int port) {
    return state_->call([s = state_.get(), port] { return start_control_server(*s, port); });
}

MeshPorts add_mesh_links(FaultProxy& proxy, const std::map<std::string, int>& peer_ports,
                         const std::map<std::string, int>& client_ports, bool framed) {
    MeshPorts ports;
    for (const auto& [from, unused] : peer_ports)
        for (const auto& [to, target] : peer_ports)
            if (from != to) ports.peer[from][to] = proxy.add_link({.from = from, .to = to, .target_port = target, .framed = framed});
    for (const auto& [server, target] : client_ports)
        ports.client[server] = proxy.add_link({.from = "client", .to = server, .target_port = target, .framed = framed});
    return ports;
}

// ---- JSON forms -------------------------------------------------------------------

json::object to_json(const LinkStatus& st) {
    json::object o;
    o["name"] = st.spec.name;
    o["from"] = st.spec.from;
    o["to"] = st.spec.to;
    o["listen_port"] = st.spec.listen_port;
    o["target"] = st.spec.target_host + ":" + std::to_string(st.spec.target_port);
    o["framed"] = st.spec.framed;
    o["down"] = st.down;
    o["cut_forward"] = st.cut_forward;
    o["cut_backward"] = st.cut_backward;
    o["forward"] = to_json(st.forward);
    o["backward"] = to_json(st.backward);
    o["connections"] = st.connections;
    o["accepted"] = st.accepted;
    o["bytes_forward"] = st.bytes_forward;
    o["bytes_backward"] = st.bytes_backward;
    o["frames_forward"] = st.frames_forward;
    o["frames_backward"] = st.frames_backward;
    o["frames_dropped"] = st.frames_dropped;
    o["frames_duplicated"] = st.frames_duplicated;
    return o;
}

json::object to_json(const JournalEntry& e) {
    json::object o;
    o["seq"] = e.seq;
    o["time_us"] = e.time_us;
    o["link"] = e.link;
    o["direction"] = to_string(e.direction);
    o["from"] = e.from;
    o["to"] = e.to;
    o["size"] = e.size;
    o["type"] = e.type;
    o["fate"] = e.fate;
    if (!e.payload.empty()) o["payload"] = e.payload;
    return o;
}

}  // namespace raftlab::proxy
