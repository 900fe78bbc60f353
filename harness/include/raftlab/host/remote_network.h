// raftlab/host/remote_network.h: the student's lab 5 Network, seen from the judge.
//
// The lab 5 checks use this class exactly as they would use the student's
// raftlab::Network (network/network.h): same members, same results, same exceptions.
// Each call is answered by the lab 5 host, a process that runs the student's
// network.cpp; the check binary itself holds no student code. Every Network of one
// judge thread lives in the same host process, started on first use.
//
// A round trip to another process costs about 25 us, and the randomized checks make
// hundreds of thousands of calls, so the calls travel in batches:
//   * A change whose arguments are valid by the contract (ids in range, a delay
//     range, a loss in 0..1) is pipelined: sent without waiting for an answer. If
//     the student's code throws there anyway, the exception is thrown by the next
//     call that waits for the host, before any result reaches the check. Calls
//     expected to throw always wait, so EXPECT_THROW sees the student's exception
//     at the call.
//   * Reads (size, now, waiting, is_up and the counters) come from a view that each
//     answer carries, computed by the student's own functions; it serves until the
//     next change.
//
// Inside a host::Speculation scope (a randomized check's seed), two shortcuts more:
// reads other than the counters keep using the view across send() calls, which by
// the contract change nothing else, and receive() at a node whose waiting() was 0
// answers "nothing" at once. The host then calls the student's function anyway and
// compares. If one guess was wrong, the next call throws host::Mispredicted and the
// caller runs the same seed again without shortcuts, so a check's verdict and
// message are always those of the student's code called one call at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raftlab/raft/env.h"
#include "raftlab/raft/types.h"

namespace raftlab {

namespace host {

/// Thrown when a shortcut taken in a Speculation scope proved wrong: the work must
/// be done again outside the scope. Deliberately not a std::exception, so that no
/// `catch (const std::exception&)` in a check mistakes it for the student's.
struct Mispredicted {
    std::string what;  ///< which guess, and what the student's code did instead
};

/// While one exists, this thread's Networks take the shortcuts described above.
class Speculation {
public:
    Speculation();
    ~Speculation();
    Speculation(const Speculation&) = delete;
    Speculation& operator=(const Speculation&) = delete;

private:
    bool previous_;
};

}  // namespace host

/// One message as the receiver sees it (the contract of network/network.h).
struct Envelope {
    NodeId from = kNoNode;
    NodeId to = kNoNode;
    std::string payload;
    Time sent_at = 0;
    Time arrived_at = 0;

    friend bool operator==(const Envelope&, const Envelope&) = default;
};

class Network {
public:
    Network(int nodes, std::uint64_t seed);
    /// Throws what a pipelined call left behind that no call has collected yet,
    /// unless the Network dies while another exception unwinds the stack.
    ~Network() noexcept(false);
    Network(Network&& other) noexcept;
    Network& operator=(Network&& other);
    Network(const Network&) = delete;
    Network& operator=(const Network&) = delete;

    int size() const;
    Time now() const;
    void send(NodeId from, NodeId to, std::string payload);
    void advance(Time ticks);
    std::optional<Envelope> receive(NodeId node);
    std::size_t waiting(NodeId node) const;

    void set_up(NodeId node, bool up);
    bool is_up(NodeId node) const;
    void kill_link(NodeId from, NodeId to);
    void restore_link(NodeId from, NodeId to);
    void set_delay(Time min_delay, Time max_delay);
    void set_loss(double loss);
    void partition(const std::vector<std::vector<NodeId>>& groups);
    void heal();

    std::uint64_t sent() const;
    std::uint64_t delivered() const;
    std::uint64_t dropped() const;

    /// What the host last said about the network (network_remote.cpp).
    struct View;

private:
    bool valid(NodeId node) const { return node >= 0 && node < nodes_; }
    void release();

    std::uint32_t id_ = 0;  // 0: moved from
    int nodes_ = 0;         // as given to the constructor
    int uncaught_ = 0;      // std::uncaught_exceptions() when constructed
    mutable std::shared_ptr<View> view_;
};

}  // namespace raftlab
