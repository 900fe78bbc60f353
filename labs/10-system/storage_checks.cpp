// storage_checks.cpp: what must survive a crash or a power cut, and what recovery
// must do with damaged files.
//
// A power cut is simulated: the server is killed with SIGKILL, then every file of its
// data directory is cut back to the size it had at its last fsync()/fdatasync() (files
// opened with O_SYNC or O_DSYNC keep everything; see raftlab/kv/power_loss.h). So
// state written but not synced before the server replied is lost here, as it would be
// on real hardware.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "lab10.h"
#include "raftlab/proc/supervisor.h"
#include "scripted_peer.h"

namespace raftlab::lab10 {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// The next message of type T the server sends to peer `to`, within `timeout`.
template <class T>
std::optional<T> receive(ScriptedServer& server, NodeId to, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        auto m = server.receive(to, left);
        if (!m) return std::nullopt;
        if (auto* t = std::get_if<T>(&m->message)) return *t;
    }
    return std::nullopt;
}

std::string cut_description(const std::vector<std::string>& lines) {
    if (lines.empty()) return "the power cut lost nothing (everything was fsynced)";
    std::string out = "the power cut cut back ";
    for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? ", " : "") + lines[i];
    return out;
}

kv::StatusReply must_status(ScriptedServer& server, const std::string& when) {
    auto s = server.status();
    if (!s) throw Problem("the server did not answer a status request " + when);
    return *s;
}

TEST(Storage, voteSurvivesRestart) {
    run_check([](CheckRun& run) {
        auto& server = run.keep(std::make_unique<ScriptedServer>());
        run.attach_log("n0", server.log_path());
        server.start();
        // Candidate 1 asks for server 0's vote in term 5, with a log no shorter than any
        // the server can have: the vote must be granted.
        server.send(1, RequestVote{5, 1, 1000, 4});
        auto first = receive<RequestVoteReply>(server, 1, 10s);
        if (!first)
            throw Problem("server 0 sent no RequestVoteReply to candidate 1 within 10 s of a RequestVote (term 5, "
                          "last log index 1000, last log term 4); it must answer on a connection it opens to "
                          "peer 1's address.");
        if (!first->vote_granted)
            throw Problem("server 0 had not voted in term 5, yet refused its vote to candidate 1 whose log is "
                          "up to date (reply term " + std::to_string(first->term) + ").");
        auto cut = server.power_loss();
        run.note(cut_description(cut));
        server.start();
        // Candidate 2, same term: server 0 already voted for 1 in term 5.
        server.send(2, RequestVote{5, 2, 1000, 4});
        auto second = receive<RequestVoteReply>(server, 2, 10s);
        if (!second)
            throw Problem("after a power cut and restart, server 0 sent no RequestVoteReply to candidate 2 within 10 s.");
        if (second->vote_granted)
            throw Problem("server 0 voted twice in term 5: for candidate 1, then, after a power cut and restart, "
                          "for candidate 2. The term and the vote must be on disk (written and fsynced) before "
                          "the vote is sent, and restored at startup; " + cut_description(cut) + ".");
        auto s = must_status(server, "after the restart");
        if (s.term < 5)
            throw Problem("after a power cut and restart, server 0 reports term " + std::to_string(s.term) +
                          "; it had reached term 5 before (the term must be saved before replying).");
    });
}

TEST(Storage, logSurvivesPowerLoss) {
    run_check([](CheckRun& run) {
        auto& server = run.keep(std::make_unique<ScriptedServer>());
        run.attach_log("n0", server.log_path());
        server.start();
        AppendEntries append;
        append.term = 1;
        append.leader_id = 1;
        for (int i = 1; i <= 5; ++i)
            append.entries.push_back(
                LogEntry{1, kv::encode(kv::ClientRequest{"scripted", static_cast<std::uint64_t>(i), kv::Op::put,
                                                         "k" + std::to_string(i), "v" + std::to_string(i)})});
        server.send(1, append);
        auto reply = receive<AppendEntriesReply>(server, 1, 10s);
        if (!reply)
            throw Problem("server 0 sent no AppendEntriesReply to leader 1 within 10 s of an AppendEntries with 5 "
                          "entries of term 1 after index 0.");
        if (!reply->success || reply->match_index != 5)
            throw Problem("server 0 answered an AppendEntries with 5 entries after index 0 (term 1) with success=" +
                          std::string(reply->success ? "true" : "false") + ", match_index " +
                          std::to_string(reply->match_index) + "; expected success with match_index 5.");
        auto cut = server.power_loss();
        run.note(cut_description(cut));
        server.start();
        auto s = must_status(server, "after the restart");
        if (s.last_index < 5 || s.term < 1)
            throw Problem("server 0 acknowledged entries 1-5 (match_index 5), then after a power cut it reports last "
                          "index " + std::to_string(s.last_index) + " and term " + std::to_string(s.term) +
                          ". Entries must be fsynced before the reply is sent; " + cut_description(cut) + ".");
        for (Term t : s.log_terms)
            if (t != 1)
                throw Problem("after a power cut, server 0's log holds an entry of term " + std::to_string(t) +
                              "; only entries of term 1 were ever sent to it.");
    });
}

TEST(Storage, restartAllAfterPowerLoss) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        wait_for_leader(cluster);
        run_workload_during(run, workload(4, 4, 3000ms));
        // Every node loses power at once: only what was fsynced is left anywhere.
        for (int i = 0; i < cluster.size(); ++i) cluster.kill(i);
        for (int i = 0; i < cluster.size(); ++i) cluster.power_loss(i);
        for (int i = 0; i < cluster.size(); ++i) cluster.start(i);
        auto final_state = read_back(run, workload_keys(4));
        verify_history(run, final_state);
    });
}

/// Writes 30 entries through the cluster, then `more` once every server has those,
/// and returns a follower, stopped and cut off from the others, whose last index was
/// `last_index` when it stopped. The second round reaches the follower in writes of
/// its own, after the first: a follower that joined late may have received all of
/// the first 30 in one message and stored them as one record.
NodeId stop_quiet_follower(CheckRun& run, Index& last_index, int more = 0) {
    auto& cluster = run.cluster();
    NodeId leader = wait_for_leader(cluster);
    kv::Client client(cluster.client_endpoints(), "writer", workload_client_options());
    auto put = [&](int i) {
        must_execute(cluster, client, kv::Op::put, "k" + std::to_string(i % 7), "v" + std::to_string(i));
    };
    for (int i = 0; i < 30; ++i) put(i);
    wait_until_caught_up(cluster);
    if (more > 0) {
        for (int i = 30; i < 30 + more; ++i) put(i);
        wait_until_caught_up(cluster);
    }
    NodeId follower = (leader + 1) % cluster.size();
    // Alone from now on: after its restart nobody can repair its log, and it cannot
    // disturb the others.
    std::vector<std::string> rest;
    for (NodeId i = 0; i < cluster.size(); ++i)
        if (i != follower) rest.push_back(kv::LocalCluster::name(i));
    cluster.proxy().partition({{kv::LocalCluster::name(follower)}, rest});
    auto s = cluster.status(follower, 1000ms);
    if (!s) throw Problem(kv::LocalCluster::name(follower) + " did not answer a status request while running.");
    last_index = s->last_index;
    cluster.kill(follower);
    return follower;
}

/// The largest regular file under `dir` (the log, for any sensible layout).
fs::path largest_file(const fs::path& dir) {
    fs::path best;
    std::uintmax_t best_size = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && (best.empty() || e.file_size() > best_size)) best = e.path(), best_size = e.file_size();
    if (best.empty()) throw Problem("the data directory " + dir.string() + " holds no files after 30 acknowledged writes.");
    return best;
}

TEST(Storage, tornTailRecovers) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        Index before = 0;
        NodeId f = stop_quiet_follower(run, before);
        fs::path file = largest_file(cluster.data_dir(f));
        // A record torn by a crash in the middle of a write: bytes after the last
        // complete record that do not form a complete record.
        static const char torn[] = "\x2a\x00\x00\x00\x13\x57\x9b\xdf" "torn-record";
        std::string garbage(torn, sizeof torn - 1);
        std::ofstream(file, std::ios::binary | std::ios::app).write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
        run.note("appended " + std::to_string(garbage.size()) + " bytes to " + file.string());
        cluster.start(f);
        auto s = cluster.status(f, 2000ms);
        if (!s) throw Problem(kv::LocalCluster::name(f) + " did not answer a status request after restarting with a torn tail.");
        if (s->last_index != before)
            throw Problem("after " + std::to_string(garbage.size()) + " garbage bytes were appended to " +
                          file.filename().string() + " (a torn last write), " + kv::LocalCluster::name(f) +
                          " restarted with last index " + std::to_string(s->last_index) + " instead of " +
                          std::to_string(before) + ": recovery must drop only the torn tail.");
        std::this_thread::sleep_for(1000ms);
        for (const auto& death : cluster.supervisor().take_deaths())
            throw Problem("after restarting with a torn tail: " + death.describe());
        cluster.proxy().heal();
    });
}

TEST(Storage, corruptDataStops) {
    run_check([](CheckRun& run) {
        auto& cluster = run.start_cluster();
        Index before = 0;
        // 30 entries and then 10 more: the byte at a third of the file lies among the
        // first 30, with the last 10's records (complete ones) after it.
        NodeId f = stop_quiet_follower(run, before, 10);
        std::string name = kv::LocalCluster::name(f);
        fs::path file = largest_file(cluster.data_dir(f));
        auto size = fs::file_size(file);
        auto offset = static_cast<std::streamoff>(size / 3);
        {
            std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
            io.seekg(offset);
            char byte = 0;
            io.get(byte);
            io.seekp(offset);
            io.put(static_cast<char>(byte ^ 0xFF));
        }
        run.note("flipped the byte at offset " + std::to_string(offset) + " of " + file.string() + " (" +
                 std::to_string(size) + " bytes)");
        auto& supervisor = cluster.supervisor();
        supervisor.take_deaths();
        supervisor.spawn(name);
        auto deadline = Clock::now() + 20s;
        while (Clock::now() < deadline && supervisor.state(name) != proc::NodeState::dead)
            std::this_thread::sleep_for(50ms);
        auto deaths = supervisor.take_deaths();
        if (deaths.empty())
            throw Problem(name + " kept running for 20 s on a data file with one flipped byte in the middle (offset " +
                          std::to_string(offset) + " of " + std::to_string(size) +
                          "): damage that a crash cannot cause must stop the server with a message, not be "
                          "skipped or treated as a torn tail.");
        const auto& death = deaths.front();
        if (death.status.signaled || death.status.code == 0)
            throw Problem(name + " " + death.status.describe() +
                          " on a corrupt data file; it must exit with a non-zero status after printing why.");
        bool said_why = !death.last_log_lines.empty() && !death.last_log_lines.back().empty();
        if (!said_why)
            throw Problem(name + " " + death.status.describe() +
                          " on a corrupt data file but its log ends without a line saying why.");
    });
}

}  // namespace
}  // namespace raftlab::lab10
