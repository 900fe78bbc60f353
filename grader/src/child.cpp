#include "child.h"

#include <boost/asio.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>

#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>
#include <sys/stat.h>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

#include "platform.h"

namespace raftlab::grader {
namespace asio = boost::asio;
namespace bp = boost::process::v2;
namespace fs = std::filesystem;

namespace {

std::atomic<int> g_running_pgid{0};
std::string g_running_cgroup;  // written before the child starts, read by on_interrupt
std::mutex g_temp_mutex;
std::set<std::string> g_temp_dirs;

/// Applied by Boost.Process in the child between fork and exec.
struct ChildSetup {
    const Limits* limits;
    const std::string* cgroup;
    pid_t parent = ::getpid();  // read in the grader, before the fork
    template <class Launcher>
    boost::system::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*&) {
        int err = platform::prepare_child(*limits, *cgroup, parent);
        return err ? boost::system::error_code(err, boost::system::system_category())
                   : boost::system::error_code{};
    }
};

std::vector<bp::environment::key_value_pair> child_environment(const ChildSpec& spec) {
    std::vector<bp::environment::key_value_pair> env;
    for (const auto& kv : bp::environment::current()) {
        std::string key = kv.key().string();
        if (!spec.env_overrides.count(key)) env.emplace_back(kv);
    }
    for (const auto& [k, v] : spec.env_overrides) env.emplace_back(k, v);
    return env;
}

/// Keeps the head of the output and, once past the cap, a rolling tail.
class OutputSink {
public:
    explicit OutputSink(std::size_t keep) : keep_(keep) {}
    void add(const char* data, std::size_t n) {
        total_ += n;
        if (head_.size() < keep_) {
            std::size_t take = std::min(n, keep_ - head_.size());
            head_.append(data, take);
            data += take;
            n -= take;
        }
        if (n) {
            tail_.append(data, n);
            if (tail_.size() > 2 * kTail) tail_.erase(0, tail_.size() - kTail);
        }
    }
    std::size_t total() const { return total_; }
    bool truncated() const { return total_ > head_.size(); }
    std::string text() const {
        if (!truncated()) return head_;
        std::string t = tail_.size() > kTail ? tail_.substr(tail_.size() - kTail) : tail_;
        return head_ + "\n[... output cut: " + std::to_string(total_) + " bytes in all ...]\n" + t;
    }

private:
    static constexpr std::size_t kTail = 8 * 1024;
    std::size_t keep_, total_ = 0;
    std::string head_, tail_;
};

}  // namespace

ChildResult run_child(const ChildSpec& spec) {
    ChildResult result;
    asio::io_context ctx;
    asio::readable_pipe out_pipe(ctx);
    asio::writable_pipe child_end(ctx);
    boost::system::error_code ec;
    asio::connect_pipe(out_pipe, child_end, ec);
    if (ec) {
        result.output = "cannot create a pipe: " + ec.message();
        return result;
    }
    auto start = std::chrono::steady_clock::now();
    std::string cgroup = spec.limits.max_processes && spec.limits.resource_limits
                             ? platform::make_pids_cgroup(spec.limits.max_processes)
                             : "";
    g_running_cgroup = cgroup;
    Limits limits = spec.limits;
    if (cgroup.empty() && limits.max_processes && limits.resource_limits && geteuid() != 0)
        limits.nproc_rlimit = static_cast<unsigned long>(platform::user_process_count()) + limits.max_processes;
    else if (cgroup.empty() && limits.max_processes && limits.resource_limits && limits.run_as_uid >= 0)
        limits.nproc_rlimit = limits.max_processes;  // the uid is the check's own
    ChildSetup setup{&limits, &cgroup};
    std::optional<bp::process> proc;
    try {
        std::string cwd = (spec.cwd.empty() ? fs::current_path() : spec.cwd).string();
        bp::filesystem::path program = spec.program.string();
        if (spec.inherit_output)
            proc.emplace(ctx, program, spec.args, bp::process_stdio{nullptr, {}, {}},
                         bp::process_environment(child_environment(spec)), bp::process_start_dir(cwd), setup);
        else
            proc.emplace(ctx, program, spec.args, bp::process_stdio{nullptr, child_end, child_end},
                         bp::process_environment(child_environment(spec)), bp::process_start_dir(cwd), setup);
    } catch (const std::exception& e) {
        result.output = "cannot start " + spec.program.string() + ": " + e.what();
        platform::remove_cgroup(cgroup);
        return result;
    }
    child_end.close();
    result.started = true;
    int pgid = proc->id();
    g_running_pgid = pgid;

    OutputSink sink(spec.limits.output_keep);
    std::array<char, 16 * 1024> buf;
    bool exited = false, eof = spec.inherit_output;
    asio::steady_timer deadline(ctx, spec.limits.wall);
    asio::steady_timer grace(ctx);
    auto kill_all = [&] { platform::kill_group(pgid); };

    std::function<void()> read_more = [&] {
        out_pipe.async_read_some(asio::buffer(buf), [&](boost::system::error_code rec, std::size_t n) {
            if (n) {
                sink.add(buf.data(), n);
                if (spec.on_output) spec.on_output(buf.data(), n);
            }
            if (sink.total() > spec.limits.output_kill && !result.output_flood) {
                result.output_flood = true;
                kill_all();
            }
            if (rec) {
                eof = true;
                if (exited) deadline.cancel(), grace.cancel();
                return;
            }
            read_more();
        });
    };
    if (!spec.inherit_output) read_more();

    proc->async_wait([&](boost::system::error_code wec, int) {
        exited = true;
        // The handler's int is the already-decoded exit code; the raw wait status,
        // which also tells a signal apart, is native_exit_code().
        int native = proc->native_exit_code();
        if (!wec) {
            if (WIFEXITED(native)) result.exit_code = WEXITSTATUS(native);
            if (WIFSIGNALED(native)) result.signal = WTERMSIG(native);
        }
        kill_all();  // nothing of the check's group outlives it
        if (eof) {
            deadline.cancel();
            return;
        }
        // A stray descendant may hold the pipe open: give it a moment, then stop reading.
        grace.expires_after(std::chrono::milliseconds(500));
        grace.async_wait([&](boost::system::error_code gec) {
            if (!gec) out_pipe.close(), deadline.cancel();
        });
    });
    deadline.async_wait([&](boost::system::error_code dec) {
        if (dec) return;
        result.timed_out = !exited;
        kill_all();
        if (exited) out_pipe.close();
    });
    ctx.run();
    g_running_pgid = 0;
    platform::remove_cgroup(cgroup);
    g_running_cgroup.clear();
    platform::kill_descendants();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.output = sink.text();
    result.output_truncated = sink.truncated();
    return result;
}

std::string describe_signal(int sig) {
    const char* name = sigabbrev_np(sig);
    const char* desc = strsignal(sig);
    return std::string("SIG") + (name ? name : std::to_string(sig)) + " (" + (desc ? desc : "?") + ")";
}

namespace {
void on_interrupt(int sig) {
    int pgid = g_running_pgid.load();
    if (pgid > 1) ::kill(-pgid, SIGKILL);
    platform::remove_cgroup(g_running_cgroup);
    platform::unmount_check_folder_now();
    // Best effort, not async-signal-safe in general; the grader is exiting anyway.
    for (const auto& d : g_temp_dirs) {
        std::error_code ec;
        fs::remove_all(d, ec);
    }
    platform::kill_descendants();
    static const char said[] = "\nraftlab: interrupted: stopped the running check and removed its temporary files\n";
    (void)!::write(STDERR_FILENO, said, sizeof said - 1);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}
}  // namespace

void install_interrupt_cleanup() {
    platform::become_subreaper();
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, on_interrupt);
}

namespace {
/// True while `pid` exists and is not a zombie (a zombie has ended; only its exit
/// status waits to be collected).
bool process_runs(pid_t pid) {
    if (::kill(pid, 0) != 0 && errno != EPERM) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;  // no /proc: trust kill()
    const auto close = line.rfind(')');
    return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}
}  // namespace

int sweep_stale_temp_dirs() {
    static const std::regex name(R"(raftlab-[A-Za-z0-9_-]+-p([0-9]+)-[A-Za-z0-9]{6})");
    std::error_code ec;
    int removed = 0;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(ec), ec)) {
        std::smatch m;
        const std::string file = e.path().filename().string();
        if (!std::regex_match(file, m, name) || !e.is_directory(ec) || e.is_symlink(ec)) continue;
        const long pid = std::strtol(m.str(1).c_str(), nullptr, 10);
        if (pid <= 0 || pid == ::getpid()) continue;
        if (process_runs(static_cast<pid_t>(pid))) continue;
        struct stat st {};
        if (::lstat(e.path().c_str(), &st) != 0 || st.st_uid != ::geteuid()) continue;  // not ours to remove
        std::error_code rm;
        fs::remove_all(e.path(), rm);
        removed += rm ? 0 : 1;
    }
    return removed;
}

void register_temp_dir(const fs::path& dir) {
    std::lock_guard lock(g_temp_mutex);
    g_temp_dirs.insert(dir.string());
}

void unregister_temp_dir(const fs::path& dir) {
    std::lock_guard lock(g_temp_mutex);
    g_temp_dirs.erase(dir.string());
}

}  // namespace raftlab::grader
