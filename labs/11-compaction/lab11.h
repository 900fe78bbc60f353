// lab11.h: what the lab 11 checks share. Lab 11 grows the lab 8/9 server with
// snapshots, so its checks reuse lab 8's probe (every election rule still holds) and
// add a watch of their own, outside the student's process, for the new rules:
//
//   * snapshot(index, data) with index above the current snapshot and at most
//     last_applied saves the snapshot (Env::persist_snapshot) and then holds exactly
//     the entries after it: snapshot_index() becomes index, and last_log_index() does
//     not move. Any other index changes nothing and saves nothing;
//   * an InstallSnapshot of the current term that covers only what the follower has
//     committed changes nothing: no snapshot saved, none restored;
//   * a newer one is saved before the state machine gets it, and afterwards the
//     follower's snapshot is that one, its commit index and last_applied reach it,
//     and, when its log disagreed with the snapshot (no entry at last_included_index
//     with last_included_term), it holds no entry after it, in memory or on disk;
//   * either way the reply carries last_included_index;
//   * a server restarting from a saved snapshot starts from it: snapshot_index() is
//     its index, and the state machine got it before any apply().
//
// The simulator itself checks each snapshot saved or restored against the committed
// entries (raftlab/sim/invariants.h): its data must be the state after exactly its
// entries, its term theirs, it covers only committed entries and never moves back.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "../08-election/lab08.h"

namespace lab11 {

using namespace lab08;

/// What the watch counted in one run (the checks assert the scenario really happened).
struct Counts {
    int snapshots_taken = 0;        ///< snapshot() calls that saved a snapshot
    int installs_sent = 0;          ///< InstallSnapshot messages sent
    int installs = 0;               ///< InstallSnapshots that replaced a follower's state
    int stale_installs = 0;         ///< InstallSnapshots a follower already had
    int logs_dropped = 0;           ///< installs that dropped disagreeing entries after the snapshot
    int restarts_from_snapshot = 0; ///< servers that started from a saved snapshot
};

/// The state of the watch for one run (a Simulation, or a cluster of the search,
/// sim::SearchCluster), shared by every server of it.
class Watch {
public:
    template <class Run>
    void attach(Run& run) {
        fail_ = [&run](const std::string& why) { run.fail(why); };
        persisted_ = [&run](NodeId node) -> const PersistentState& { return run.persisted(node); };
        counts_ = {};
    }
    void fail(const std::string& why) {
        if (fail_) fail_(why);
    }
    /// What `node` persisted so far.
    const PersistentState& persisted(NodeId node) const { return persisted_(node); }
    Counts& counts() { return counts_; }

private:
    std::function<void(const std::string&)> fail_;
    std::function<const PersistentState&(NodeId)> persisted_;
    Counts counts_;
};

/// The watch of the seed running on this thread.
inline Watch& thread_watch() {
    thread_local Watch watch;
    return watch;
}

/// The Env between lab 8's probe and the simulator: notes the snapshot calls of the
/// event being handled, in order.
class WatchEnv final : public sim::ForwardingEnv {
public:
    WatchEnv(Env& inner, Watch& watch) : ForwardingEnv(inner), watch_(watch) {}

    void begin() {
        saved_.clear();
        restored_.clear();
        restored_after_save_ = true;
        replies_.clear();
        truncated_after_ = 0;
        applied_ = false;
    }
    void persist_snapshot(const Snapshot& snapshot) override {
        saved_.push_back(snapshot.last_index);
        inner_.persist_snapshot(snapshot);
    }
    void restore_snapshot(const Snapshot& snapshot) override {
        if (std::find(saved_.begin(), saved_.end(), snapshot.last_index) == saved_.end()) restored_after_save_ = false;
        restored_.push_back(snapshot.last_index);
        if (applied_) applied_before_restore_ = true;
        inner_.restore_snapshot(snapshot);
    }
    void persist_log(Index first, const std::vector<LogEntry>& entries) override {
        if (entries.empty()) truncated_after_ = first;
        inner_.persist_log(first, entries);
    }
    void apply(Index index, const LogEntry& entry) override {
        applied_ = true;
        inner_.apply(index, entry);
    }
    void send(NodeId to, Message message) override {
        if (std::holds_alternative<InstallSnapshot>(message)) ++watch_.counts().installs_sent;
        if (const auto* reply = std::get_if<InstallSnapshotReply>(&message)) replies_.push_back(*reply);
        inner_.send(to, std::move(message));
    }

    const std::vector<Index>& saved() const { return saved_; }
    const std::vector<Index>& restored() const { return restored_; }
    bool restored_after_save() const { return restored_after_save_; }
    bool applied_before_restore() const { return applied_before_restore_; }
    const std::vector<InstallSnapshotReply>& replies() const { return replies_; }

private:
    Watch& watch_;
    std::vector<Index> saved_, restored_;
    bool restored_after_save_ = true;
    bool applied_ = false;
    bool applied_before_restore_ = false;
    std::vector<InstallSnapshotReply> replies_;
    Index truncated_after_ = 0;
};

/// The student's server, probed by lab 8's probe (inside) and watched by lab 11's
/// rules (outside).
class WatchedCompaction final : public sim::WatchedServer<WatchEnv> {
public:
    WatchedCompaction(const ServerConfig& config, Env& env, const PersistentState& restored, Watch& watch)
        : WatchedServer(config, restored, make_probed, env, watch), id_(config.id), watch_(watch) {
        if (restored.snapshot.last_index == 0) return;
        ++watch_.counts().restarts_from_snapshot;
        if (server_->snapshot_index() != restored.snapshot.last_index || env_.restored().empty() ||
            env_.restored().front() != restored.snapshot.last_index || env_.applied_before_restore())
            watch_.fail(fmt::format(
                "server {} restarted from its saved snapshot through index {}, but {}: a restarted server "
                "starts from its snapshot, and hands it to the state machine (restore_snapshot) before any "
                "apply()",
                id_, restored.snapshot.last_index,
                server_->snapshot_index() != restored.snapshot.last_index
                    ? fmt::format("its snapshot_index() is {}", server_->snapshot_index())
                    : std::string("the state machine did not get it first")));
    }

    void receive(NodeId from, const Message& message) override {
        const auto* install = std::get_if<InstallSnapshot>(&message);
        if (!install) return server_->receive(from, message);
        const Before before = state();
        bool agrees = false;
        const Index index = install->last_included_index;
        if (index > before.snapshot && index <= before.last)
            agrees = server_->log_entry(index).term == install->last_included_term;
        else if (index == before.snapshot)
            agrees = before.snapshot_term == install->last_included_term;
        env_.begin();
        server_->receive(from, message);
        after_install(from, *install, before, agrees);
    }

    void snapshot(Index index, std::string data) override {
        const Before before = state();
        env_.begin();
        server_->snapshot(index, std::move(data));
        after_snapshot(index, before);
    }

private:
    struct Before {
        Term term = 0;
        Index snapshot = 0;
        Term snapshot_term = 0;
        Index last = 0;
        Index commit = 0;
        Index applied = 0;
    };
    Before state() const {
        return {server_->current_term(), server_->snapshot_index(), server_->snapshot_term(),
                server_->last_log_index(), server_->commit_index(), server_->last_applied()};
    }
    static std::unique_ptr<RaftNode> make_probed(const ServerConfig& config, Env& env,
                                                 const PersistentState& restored) {
        return std::make_unique<probe::ProbedServer>(config, env, restored, probe::thread_probe());
    }

    void after_snapshot(Index index, const Before& before);
    void after_install(NodeId from, const InstallSnapshot& request, const Before& before, bool agrees);

    NodeId id_;
    Watch& watch_;
};

inline void WatchedCompaction::after_snapshot(Index index, const Before& before) {
    const Before after = state();
    const bool takes = index > before.snapshot && index <= before.applied;
    if (!takes) {
        if (!env_.saved().empty() || after.snapshot != before.snapshot)
            watch_.fail(fmt::format("server {} was asked to snapshot through index {} with its snapshot at index {} "
                                    "and {} entries applied, and {}: such a call changes nothing (a snapshot "
                                    "covers applied entries only, and never moves back)",
                                    id_, index, before.snapshot, before.applied,
                                    env_.saved().empty() ? fmt::format("its snapshot moved to index {}", after.snapshot)
                                                         : std::string("it saved a snapshot")));
        return;
    }
    if (env_.saved().size() != 1 || env_.saved().front() != index)
        return watch_.fail(fmt::format("server {} was asked to snapshot through index {} and saved {}: save it, "
                                       "once, with Env::persist_snapshot, before the log drops its entries",
                                       id_, index,
                                       env_.saved().empty() ? std::string("nothing")
                                                            : fmt::format("{} snapshots", env_.saved().size())));
    if (after.snapshot != index || after.last != before.last)
        return watch_.fail(fmt::format(
            "server {} took a snapshot through index {} of a log with the entries {} .. {}, and then held the "
            "entries {} .. {}: the log must keep exactly the entries after the snapshot",
            id_, index, before.snapshot + 1, before.last, after.snapshot + 1, after.last));
    ++watch_.counts().snapshots_taken;
}

inline void WatchedCompaction::after_install(NodeId from, const InstallSnapshot& request, const Before& before,
                                             bool agrees) {
    if (request.term < before.term) return;  // refused: lab 8's probe holds it to the term rules
    const Index index = request.last_included_index;
    const Before after = state();
    for (const InstallSnapshotReply& reply : env_.replies())
        if (reply.match_index != index)
            return watch_.fail(fmt::format("server {} answered an InstallSnapshot through index {} of term {} with "
                                           "match_index {}: the reply carries last_included_index",
                                           id_, index, request.term, reply.match_index));
    if (env_.replies().empty())
        return watch_.fail(fmt::format("server {} did not answer an InstallSnapshot through index {} of term {}",
                                       id_, index, request.term));
    if (index <= before.commit) {
        ++watch_.counts().stale_installs;
        if (!env_.saved().empty() || !env_.restored().empty() || after.applied < before.applied)
            watch_.fail(fmt::format("server {}, with {} entries committed, {} an InstallSnapshot through index {}: "
                                    "a snapshot that covers only what a server committed already is old news "
                                    "(a late or duplicated message), and installing it moves the state machine "
                                    "back",
                                    id_, before.commit, env_.restored().empty() ? "saved" : "installed", index));
        return;
    }
    if (env_.saved().empty() || env_.restored().empty() || !env_.restored_after_save())
        return watch_.fail(fmt::format(
            "server {} received an InstallSnapshot through index {} (it had committed {}) and {}: a follower "
            "saves a newer snapshot (persist_snapshot) and then hands it to its state machine (restore_snapshot)",
            id_, index, before.commit,
            env_.saved().empty()      ? std::string("did not save it")
            : env_.restored().empty() ? std::string("did not hand it to the state machine")
                                      : std::string("handed it to the state machine before saving it")));
    ++watch_.counts().installs;
    if (after.snapshot != index || after.commit < index || after.applied < index)
        return watch_.fail(fmt::format("server {} installed a snapshot through index {}, and then had snapshot "
                                       "index {}, commit index {} and last_applied {}: all three reach the snapshot",
                                       id_, index, after.snapshot, after.commit, after.applied));
    if (agrees) return;
    if (before.last > index) ++watch_.counts().logs_dropped;  // entries after it had to go
    const PersistentState& disk = watch_.persisted(id_);
    if (after.last != index || disk.log.size() != 0)
        watch_.fail(fmt::format("server {} installed a snapshot through index {} of term {} that its log "
                                "disagreed with (it held the entries {} .. {}), and kept {} entries after it in "
                                "memory and {} on disk: a log that disagrees with a snapshot goes entirely",
                                id_, index, request.last_included_term, before.snapshot + 1, before.last,
                                after.last - index, disk.log.size()));
    (void)from;
}

/// `servers` servers with elections on that snapshot every `every` applied entries.
inline SimOptions cluster11(int servers, Index every) {
    SimOptions o = cluster(servers);
    o.snapshot_every = every;
    return o;
}

/// Runs `scenario` over `count` seeds with every server probed (lab 8) and watched
/// (lab 11).
using WatchedScenario = std::function<std::string(Simulation&, Watch&)>;
inline void run_watched(int count, const SimOptions& options, const WatchedScenario& scenario) {
    run_probed_and_watched<WatchedCompaction>(count, options, &thread_watch, scenario);
}

/// Offers `count` commands to the current leader, one every `every`, then runs until
/// every up server applied them all (or `bound` passes). Returns "" or why not.
inline std::string load(Simulation& sim, int& label, int count, Time every, Time bound = 20 * kSecond) {
    const std::size_t target = sim.committed().size() + static_cast<std::size_t>(count);
    for (int i = 0; i < count && !sim.failed(); ++i) {
        if (const std::optional<NodeId> leader = sim.leader()) sim.submit(*leader, numbered_command(++label));
        sim.run_for(every);
    }
    // Commands a deposed leader lost are offered again until `count` more committed.
    const Time end = sim.now() + bound;
    while (!sim.failed() && sim.now() < end &&
           !(sim.committed().size() >= target && sim.all_applied(sim.committed().size()))) {
        if (sim.committed().size() < target)
            if (const std::optional<NodeId> leader = sim.leader()) sim.submit(*leader, numbered_command(++label));
        sim.run_for(50 * kMillisecond);
    }
    if (sim.failed()) return sim.failure();
    if (sim.committed().size() < target || !sim.all_applied(sim.committed().size()))
        return fmt::format("after {} commands and {} ms more, {} entries were committed (at least {} expected) "
                           "and not every up server applied them",
                           count, bound / kMillisecond, sim.committed().size(), target);
    return {};
}

}  // namespace lab11
