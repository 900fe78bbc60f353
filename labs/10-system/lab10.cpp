// lab10.cpp: the shared machinery of the lab 10 checks (see lab10.h).
#include "lab10.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <thread>

#include "raftlab/check/check.h"
#include "raftlab/history/report.h"
#include "raftlab/proc/supervisor.h"

namespace raftlab::lab10 {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

CheckRun::CheckRun() = default;
CheckRun::~CheckRun() = default;

kv::ClusterOptions cluster_options(int nodes) {
    kv::ClusterOptions o;
    o.server_binary = ::raftlab::check::built_file(LAB10_SERVER);
    o.sync_shim = ::raftlab::check::built_file(LAB10_SYNC_SHIM);
    o.nodes = nodes;
    o.proxy = true;
    o.proxy_seed = 1;
    return o;
}

kv::LocalCluster& CheckRun::start_cluster(int nodes) { return start_cluster(cluster_options(nodes)); }

kv::LocalCluster& CheckRun::start_cluster(const kv::ClusterOptions& options) {
    cluster_ = std::make_unique<kv::LocalCluster>(options);
    cluster_->start_all();
    return *cluster_;
}

kv::LocalCluster& CheckRun::cluster() {
    if (!cluster_) throw std::logic_error("the check has no cluster yet");
    return *cluster_;
}

void CheckRun::attach_log(const std::string& name, const fs::path& file) { logs_.emplace_back(name, file); }

void CheckRun::note(const std::string& line) { notes_.push_back(line); }

std::string CheckRun::save_artifacts() {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    bool graded = !check::variable("RAFTLAB_ARTIFACTS").empty();
    fs::path dir = check::artifacts_dir();
    if (!graded) dir /= test;
    std::vector<std::string> saved;
    try {
        fs::create_directories(dir);
        history::History h = recorder_.snapshot();
        if (!h.empty()) {
            history::save_history(h, dir / "history.jsonl");
            saved.push_back("history.jsonl");
        }
        if (verdict_ && verdict_->verdict == history::Verdict::illegal) {
            std::ofstream(dir / "checker.html") << history::render_html(h, *verdict_, "lab 10: " + test);
            saved.push_back("checker.html");
        }
        if (cluster_) {
            cluster_->save_logs(dir / "logs");
            saved.push_back("logs/");
        }
        for (const auto& [name, file] : logs_) {
            fs::create_directories(dir / "logs");
            std::error_code ec;
            fs::copy_file(file, dir / "logs" / (name + ".log"), fs::copy_options::overwrite_existing, ec);
            if (!ec && (saved.empty() || saved.back() != "logs/")) saved.push_back("logs/");
        }
        if (cluster_) {
            notes_.push_back("statuses at the end: " + describe_statuses(*cluster_));
            // What the proxy saw on each link: a link that accepted no connection, or
            // whose frames stopped, tells a dead connection from a server that ignores
            // what it gets.
            if (cluster_->options().proxy)
                for (const auto& l : cluster_->proxy().links())
                    notes_.push_back("link " + boost::json::serialize(proxy::to_json(l)));
        }
        if (!notes_.empty()) {
            std::ofstream out(dir / "notes.txt");
            for (const auto& n : notes_) out << n << "\n";
            saved.push_back("notes.txt");
        }
    } catch (const std::exception& e) {
        return std::string("(saving the artifacts failed: ") + e.what() + ")";
    }
    std::string list;
    for (const auto& s : saved) list += (list.empty() ? "" : ", ") + s;
    // The grader prints the folder it copies them to on its own.
    if (saved.empty() || graded) return "";
    return "Saved " + list + " in " + fs::absolute(dir).string() + "/";
}

namespace {

/// The grader shows a failure's last line as its reason: keep the message on one line.
std::string one_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::string out;
    bool line_start = false;
    for (char c : text) {
        if (c == '\n') {
            out += " | ";
            line_start = true;
        } else if (!(line_start && (c == ' ' || c == '\t'))) {
            out += c;
            line_start = false;
        }
    }
    return out;
}

}  // namespace

void run_check(const std::function<void(CheckRun&)>& body) {
    CheckRun run;
    std::string failure;
    try {
        body(run);
    } catch (const Problem& p) {
        failure = p.what();
    } catch (const proc::ProcessError& e) {
        failure = std::string("a server did not run: ") + e.what();
    } catch (const std::exception& e) {
        failure = std::string("unexpected error: ") + e.what();
    }
    if (failure.empty() && !::testing::Test::HasFailure()) return;
    std::string where = run.save_artifacts();
    if (failure.empty()) failure = "see the failures above.";
    ADD_FAILURE() << (where.empty() ? "" : where + "\n") << one_line(failure);
}

std::string show(const std::optional<std::string>& value) { return value ? "\"" + *value + "\"" : "absent"; }

std::string describe_statuses(kv::LocalCluster& cluster) {
    auto statuses = cluster.statuses();
    std::string out;
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        if (!out.empty()) out += " | ";
        out += kv::LocalCluster::name(static_cast<NodeId>(i)) + ": ";
        const auto& s = statuses[i];
        if (!s) {
            out += "no answer";
            continue;
        }
        out += std::string(role_name(s->role)) + " term " + std::to_string(s->term) + " commit " +
               std::to_string(s->commit_index) + " last " + std::to_string(s->last_index) + " leader " +
               (s->leader == kNoNode ? std::string("none") : kv::LocalCluster::name(s->leader));
    }
    return out;
}

NodeId wait_for_leader(kv::LocalCluster& cluster, std::chrono::milliseconds bound) {
    NodeId leader = cluster.wait_for_leader(bound);
    if (leader == kNoNode)
        throw Problem("no server became leader within " + std::to_string(bound.count() / 1000) +
                      " s; statuses: " + describe_statuses(cluster));
    return leader;
}

void wait_until_caught_up(kv::LocalCluster& cluster, std::chrono::milliseconds bound) {
    auto deadline = Clock::now() + bound;
    for (;;) {
        auto statuses = cluster.statuses();
        bool same = true;
        for (const auto& s : statuses)
            same = same && s && statuses[0] && s->last_index == statuses[0]->last_index &&
                   s->commit_index == statuses[0]->commit_index && s->commit_index == s->last_index;
        if (same) return;
        if (Clock::now() > deadline)
            throw Problem("the servers did not agree on their last and commit index within " +
                          std::to_string(bound.count() / 1000) + " s of a quiet period; statuses: " +
                          describe_statuses(cluster));
        std::this_thread::sleep_for(50ms);
    }
}

std::vector<std::string> workload_keys(int count) {
    std::vector<std::string> keys;
    for (int i = 0; i < count; ++i) keys.push_back("k" + std::to_string(i));
    return keys;
}

history::WorkloadOptions workload(int clients, int keys, std::chrono::milliseconds duration, std::uint64_t seed) {
    history::WorkloadOptions o;
    o.clients = clients;
    o.keys = keys;
    o.duration = duration;
    o.seed = seed;
    o.get_ratio = 0.4;
    o.delete_ratio = 0.05;
    o.think_time = 5ms;
    return o;
}

history::WorkloadOptions contended_workload(int clients, int keys, std::chrono::milliseconds duration,
                                             std::uint64_t seed) {
    history::WorkloadOptions o = workload(clients, keys, duration, seed);
    o.writes = history::Writes::appends;
    return o;
}

kv::ClientOptions workload_client_options() {
    kv::ClientOptions o;
    o.attempt_timeout = 1000ms;
    o.deadline = 10000ms;
    o.backoff = 25ms;
    return o;
}

void run_workload_during(CheckRun& run, const history::WorkloadOptions& options, const std::function<void()>& during) {
    auto factory = kv::client_factory(run.cluster().client_endpoints(), workload_client_options());
    std::exception_ptr workload_error;
    std::thread clients([&] {
        try {
            history::run_workload(options, factory, run.recorder());
        } catch (...) {
            workload_error = std::current_exception();
        }
    });
    std::exception_ptr during_error;
    try {
        if (during) during();
    } catch (...) {
        during_error = std::current_exception();
    }
    clients.join();
    if (during_error) std::rethrow_exception(during_error);
    if (workload_error) std::rethrow_exception(workload_error);
}

FinalState read_back(CheckRun& run, const std::vector<std::string>& keys) {
    kv::LocalCluster& cluster = run.cluster();
    for (const auto& death : cluster.supervisor().take_deaths())
        throw Problem("a server died without being killed by the check: " + death.describe());
    wait_for_leader(cluster);
    kv::ClientOptions options = workload_client_options();
    options.deadline = 30000ms;
    kv::Client client(cluster.client_endpoints(), "final", options);
    FinalState state;
    for (const auto& key : keys) {
        std::uint64_t seq = client.last_seq() + 1;
        auto token = run.recorder().invoke("final", seq, history::OpKind::get, key);
        kv::Result r = client.execute(kv::Op::get, key);
        if (r.outcome != history::Outcome::ok) {
            run.recorder().complete(token, history::Outcome::indeterminate);
            throw Problem("after the faults were healed, a fresh client's get of \"" + key +
                          "\" got no answer within 30 s (" + r.error + "); statuses: " + describe_statuses(cluster));
        }
        run.recorder().complete(token, history::Outcome::ok, r.value);
        state[key] = r.value;
    }
    return state;
}

namespace {

std::string first_lines(const std::vector<std::string>& lines, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < lines.size() && i < count; ++i) out += "\n  - " + lines[i];
    if (lines.size() > count) out += "\n  (" + std::to_string(lines.size() - count) + " more)";
    return out;
}

}  // namespace

void verify_history(CheckRun& run, const std::optional<FinalState>& final_state) {
    history::History h = run.recorder().snapshot();
    // Exactly-once first: an append applied twice also breaks linearizability, but this
    // sentence names the value that appears twice.
    history::PropertyResult once = history::check_exactly_once(h, final_state.value_or(FinalState{}));
    if (once.verdict != history::Verdict::ok)
        throw Problem("a request took effect more than once (or one that failed took effect):" +
                      first_lines(once.violations, 5));
    history::LinearizabilityResult lin = history::check_linearizable(h);
    run.set_verdict(lin);
    std::size_t unanswered = 0;
    for (const auto& op : h) unanswered += op.outcome == history::Outcome::indeterminate ? 1 : 0;
    std::printf("history: %zu operations (%zu without an answer) on %zu keys (%zu decided by the unique-writes fast "
                "path, %zu searched); linearizability %s in %lld ms\n",
                h.size(), unanswered, lin.keys, lin.fast_keys, lin.searched_keys,
                std::string(history::to_string(lin.verdict)).c_str(), static_cast<long long>(lin.elapsed.count()));
    if (lin.verdict == history::Verdict::illegal) {
        const auto& f = lin.failures.front();
        throw Problem("the history of " + std::to_string(lin.operations) + " operations is not linearizable: key \"" +
                      f.key + "\": " + f.explanation + " (operation " + std::to_string(f.stuck_op) + ": " +
                      history::to_json_line(h[f.stuck_op]) + ")");
    }
    if (lin.verdict == history::Verdict::unknown)
        throw Problem("the linearizability checker could not decide within its time budget (keys " +
                      std::to_string(lin.unknown_keys.size()) +
                      " undecided); an undecided history does not pass. Usually many requests without an answer "
                      "(timeouts) make the search explode: look at the history for long stretches of them.");
    if (final_state) {
        history::PropertyResult durable = history::check_durability(h, *final_state);
        if (durable.verdict != history::Verdict::ok)
            throw Problem("an acknowledged write was lost:" + first_lines(durable.violations, 5));
    }
}

kv::Result must_execute(kv::LocalCluster& cluster, kv::Client& client, kv::Op op, const std::string& key,
                        const std::string& value) {
    kv::ClientRequest request{client.id(), client.last_seq() + 1, op, key, value};
    auto deadline = Clock::now() + 30s;
    kv::Result r;
    do {
        r = client.execute(request);  // the same (client, seq) every time: a retry
        if (r.outcome == history::Outcome::ok) return r;
        if (r.outcome == history::Outcome::failed)
            throw Problem("the server rejected a well-formed " + std::string(kv::to_string(op)) + " of \"" + key +
                          "\" with status error: " + r.error);
    } while (Clock::now() < deadline);
    throw Problem("a " + std::string(kv::to_string(op)) + " of \"" + key + "\" got no answer within 30 s (" + r.error +
                  "); statuses: " + describe_statuses(cluster));
}

}  // namespace raftlab::lab10
