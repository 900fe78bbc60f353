// network_host_main.cpp: the implementation host of lab 5. It runs the student's
// Network (network/network.h) in a process of its own and answers the judge
// (network_remote.cpp; the frames are in network_protocol.h).
//
// This file is framework code, but it shares a process with student code: nothing
// here is trusted by the judge, which checks every frame it reads.
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include "network_protocol.h"
#include "network/network.h"
#include "raftlab/host/serve.h"

namespace {
using namespace raftlab;
using namespace raftlab::host;
namespace p = raftlab::host::network;

struct Hosted {
    std::unique_ptr<Network> net;
    int nodes = 0;
};

/// Writes (ok, value) for one read; ok is false when the student's code threw.
template <class F>
void optional_read(Writer& w, F f) {
    try {
        std::uint64_t v = static_cast<std::uint64_t>(f());
        w.boolean(true);
        w.u64(v);
    } catch (...) {
        w.boolean(false);
        w.u64(0);
    }
}

void write_view(Writer& w, const Hosted& h) {
    const Network& net = *h.net;
    optional_read(w, [&] { return static_cast<std::int64_t>(net.size()); });
    optional_read(w, [&] { return static_cast<std::int64_t>(net.now()); });
    optional_read(w, [&] { return net.sent(); });
    optional_read(w, [&] { return net.delivered(); });
    optional_read(w, [&] { return net.dropped(); });
    const auto n = static_cast<std::uint32_t>(std::min<std::int64_t>(h.nodes, p::kMaxViewNodes));
    w.u32(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto node = static_cast<NodeId>(i);
        optional_read(w, [&] { return net.waiting(node); });
        optional_read(w, [&] { return net.is_up(node) ? 1 : 0; });
    }
}

/// One read by op, as the view and kVerify call it.
std::uint64_t read(const Network& net, std::uint8_t op, NodeId node) {
    switch (op) {
        case p::kSize: return static_cast<std::uint64_t>(static_cast<std::int64_t>(net.size()));
        case p::kNow: return static_cast<std::uint64_t>(net.now());
        case p::kWaiting: return net.waiting(node);
        case p::kIsUp: return net.is_up(node) ? 1 : 0;
        case p::kSent: return net.sent();
        case p::kDelivered: return net.delivered();
        case p::kDropped: return net.dropped();
    }
    throw ProtocolError("not a read");
}

class Host {
public:
    void handle(Reader& r, HostChannel& channel) {
        const std::uint8_t op = r.u8();
        const bool reply = (r.u8() & p::kReply) != 0;
        const std::uint32_t id = r.u32();
        if (op == p::kDestroy) {
            nets_.erase(id);
            return;
        }
        if (!deferred_.empty()) {
            // An earlier pipelined call failed: nothing runs until the judge hears it.
            if (reply) {
                Writer w;
                w.bytes() = std::move(deferred_);
                deferred_.clear();
                channel.send(w);
            }
            return;
        }
        Writer result, exception;
        bool threw = false;
        try {
            run(op, id, r, result);
        } catch (const ProtocolError&) {
            throw;
        } catch (...) {
            if (!reply) {
                Writer e;
                e.u8(p::kEarlierThrew);
                e.u8(op);
                write_current_exception(e);
                deferred_ = std::move(e.bytes());
                return;
            }
            threw = true;
            write_current_exception(exception);
        }
        if (!reply) return;
        Writer w;
        w.u8(p::kExecuted);
        auto it = nets_.find(id);
        w.boolean(it != nets_.end());
        if (it != nets_.end()) write_view(w, it->second);
        if (threw) {
            w.bytes() += exception.bytes();
        } else {
            w.u8(0);  // no exception
            w.bytes() += result.bytes();
        }
        channel.send(w);
    }

private:
    Network& find(std::uint32_t id) {
        auto it = nets_.find(id);
        if (it == nets_.end()) throw ProtocolError("no network " + std::to_string(id));
        return *it->second.net;
    }

    /// Runs one request; writes its result (not yet framed) to `out`.
    void run(std::uint8_t op, std::uint32_t id, Reader& r, Writer& out) {
        if (op == p::kCreate) {
            const int nodes = r.i32();
            const std::uint64_t seed = r.u64();
            nets_.erase(id);
            auto net = std::make_unique<Network>(nodes, seed);
            nets_[id] = Hosted{std::move(net), nodes};
            return;
        }
        Network& net = find(id);
        switch (op) {
            case p::kView: break;
            case p::kSize:
            case p::kNow:
            case p::kSent:
            case p::kDelivered:
            case p::kDropped: out.u64(read(net, op, 0)); break;
            case p::kWaiting:
            case p::kIsUp: out.u64(read(net, op, r.i32())); break;
            case p::kSend: {
                const NodeId from = r.i32(), to = r.i32();
                net.send(from, to, r.str());
                break;
            }
            case p::kAdvance: net.advance(r.i64()); break;
            case p::kReceive: {
                auto e = net.receive(r.i32());
                out.boolean(e.has_value());
                if (e) {
                    out.i32(e->from);
                    out.i32(e->to);
                    out.str(e->payload);
                    out.i64(e->sent_at);
                    out.i64(e->arrived_at);
                }
                break;
            }
            case p::kReceiveNothing: {
                const NodeId node = r.i32();
                const std::uint32_t tag = r.u32();
                if (net.receive(node)) mispredicted(tag, 1);
                break;
            }
            case p::kVerify: {
                const std::uint8_t read_op = r.u8();
                const NodeId node = r.i32();
                const std::uint32_t tag = r.u32();
                const std::uint64_t expected = r.u64();
                try {
                    const std::uint64_t got = read(net, read_op, node);
                    if (got != expected) mispredicted(tag, got);
                } catch (const ProtocolError&) {
                    throw;
                } catch (...) {
                    Writer e;
                    e.u8(p::kMispredicted);
                    e.u32(tag);
                    e.boolean(true);
                    write_current_exception(e);
                    deferred_ = std::move(e.bytes());
                }
                break;
            }
            case p::kSetUp: {
                const NodeId node = r.i32();
                net.set_up(node, r.boolean());
                break;
            }
            case p::kKillLink: {
                const NodeId from = r.i32(), to = r.i32();
                net.kill_link(from, to);
                break;
            }
            case p::kRestoreLink: {
                const NodeId from = r.i32(), to = r.i32();
                net.restore_link(from, to);
                break;
            }
            case p::kSetDelay: {
                const Time lo = r.i64(), hi = r.i64();
                net.set_delay(lo, hi);
                break;
            }
            case p::kSetLoss: {
                const std::uint64_t bits = r.u64();
                double loss;
                std::memcpy(&loss, &bits, sizeof loss);
                net.set_loss(loss);
                break;
            }
            case p::kPartition: {
                const std::uint32_t count = r.u32();
                if (count > r.left() / 4) throw ProtocolError("a partition longer than its frame");
                std::vector<std::vector<NodeId>> groups(count);
                for (auto& g : groups) {
                    const std::uint32_t size = r.u32();
                    if (size > r.left() / 4) throw ProtocolError("a group longer than its frame");
                    g.resize(size);
                    for (NodeId& node : g) node = r.i32();
                }
                net.partition(groups);
                break;
            }
            case p::kHeal: net.heal(); break;
            default: throw ProtocolError("unknown request " + std::to_string(op));
        }
    }

    void mispredicted(std::uint32_t tag, std::uint64_t got) {
        Writer e;
        e.u8(p::kMispredicted);
        e.u32(tag);
        e.boolean(false);
        e.u64(got);
        deferred_ = std::move(e.bytes());
    }

    std::map<std::uint32_t, Hosted> nets_;
    std::string deferred_;  // the answer the next kReply request gets instead of running
};

}  // namespace

int main() {
    Host host;
    return raftlab::host::serve([&](Reader& r, HostChannel& channel) { host.handle(r, channel); });
}
