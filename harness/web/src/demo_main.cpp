// raftlab-demo: `./raftlab demo`, the live page for presenters (harness/web/README.md).
//
// Order of work: bind the page's port first (a port in use is reported before anything
// slow), build the lab 10 server through the grader, start the cluster, then serve.
// --prepare does the slow part ahead of a talk: the build, and one trial cluster.
// Ctrl-C, SIGTERM and SIGHUP stop the event loop; the Demo's destructor kills every
// server. Before the loop runs, and if shutting down hangs, the supervisor's signal
// cleanup and the servers' parent-death signal make sure no server outlives us.
#include "demo.h"
#include "web_server.h"

#include "raftlab/cli/parse_error.h"
#include "raftlab/kv/local_cluster.h"
#include "raftlab/proc/supervisor.h"
#include "raftlab/proxy/fault_proxy.h"

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>
#include <unistd.h>
#include <vector>

namespace raftlab::web {
extern const char* const kDemoHtml;
extern const char* const kDemoCss;
extern const char* const kDemoJs;
}  // namespace raftlab::web

namespace {

namespace fs = std::filesystem;
using namespace raftlab;

/// The page with its styles and script inline.
std::string assemble_page() {
    std::string page = web::kDemoHtml;
    auto put = [&page](std::string_view mark, const char* text) {
        auto at = page.find(mark);
        if (at != std::string::npos) page.replace(at, mark.size(), text);
    };
    put("/*DEMO_CSS*/", web::kDemoCss);
    put("/*DEMO_JS*/", web::kDemoJs);
    return page;
}

/// Runs `$RAFTLAB_GRADER build-server --impl IMPL` and returns the path it prints. The
/// grader's progress (a live line on a terminal) goes straight to our stderr.
fs::path build_server(const std::string& impl) {
    const char* grader = std::getenv("RAFTLAB_GRADER");
    if (grader == nullptr || *grader == '\0')
        throw std::runtime_error("RAFTLAB_GRADER is not set; run this through ./raftlab demo (or pass --server-binary)");
    std::cerr << "raftlab demo: building the lab 10 server of " << impl << "\n";
    std::string command = "'" + std::string(grader) + "' build-server --impl '" + impl + "'";
    FILE* out = ::popen(command.c_str(), "r");
    if (out == nullptr) throw std::runtime_error("cannot run " + command);
    std::string text;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, out)) > 0;) text.append(buf, n);
    int status = ::pclose(out);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    std::string path = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
    if (status != 0 || path.empty() || !fs::exists(path))
        throw std::runtime_error("the lab 10 server of " + impl + " did not build (see above); try --impl solutions");
    return path;
}

/// The cluster's files go to build/demo/run-<pid>, where a later demo finds them if this
/// one is killed with kill -9 (which leaves no chance to clean up): every run folder
/// whose process is gone is removed first. "" (a temp dir) when build/ is not writable.
fs::path demo_work_dir(const fs::path& root) {
    fs::path runs = root / "build" / "demo";
    std::error_code ec;
    fs::create_directories(runs, ec);
    if (ec || ::access(runs.c_str(), W_OK) != 0) return {};
    for (const auto& e : fs::directory_iterator(runs, ec)) {
        std::string name = e.path().filename().string();
        if (name.rfind("run-", 0) != 0) continue;
        pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 4));
        if (pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH)) continue;  // still running
        std::error_code ignored;
        fs::remove_all(e.path(), ignored);
    }
    return runs / ("run-" + std::to_string(::getpid()));
}

/// xdg-open or sensible-browser, detached. Returns why it could not, or "".
std::string open_browser(const std::string& url) {
    const char* display = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    if ((display == nullptr || *display == '\0') && (wayland == nullptr || *wayland == '\0'))
        return "there is no graphical session here (DISPLAY and WAYLAND_DISPLAY are unset)";
    for (const char* opener : {"xdg-open", "sensible-browser"}) {
        std::string check = "command -v " + std::string(opener) + " >/dev/null 2>&1";
        if (std::system(check.c_str()) != 0) continue;
        std::string run = "setsid " + std::string(opener) + " '" + url + "' >/dev/null 2>&1 </dev/null &";
        return std::system(run.c_str()) == 0 ? "" : std::string(opener) + " did not start";
    }
    return "neither xdg-open nor sensible-browser is installed";
}

/// The command line (./raftlab demo --help).
struct Options {
    std::string impl, server_binary;
    int nodes = 3, port = 8010, proxy_control = 7400, load = 0, frame_ms = 100;
    bool open = false, keep_files = false, prepare = false, proxy_control_given = false, impl_given = false;
};

/// A check whose message names the value and the fix; CLI11 puts the option's name in
/// front: "--nodes: "4" is not 3, 5 or 7 ...".
CLI::Validator whole_number(int low, int high, std::string what) {
    return CLI::Validator(
        [low, high, what](std::string& v) -> std::string {
            char* end = nullptr;
            long n = std::strtol(v.c_str(), &end, 10);
            if (!v.empty() && *end == '\0' && n >= low && n <= high) return "";
            return "\"" + v + "\" is not " + what + "; give a whole number from " + std::to_string(low) + " to " +
                   std::to_string(high);
        },
        "");
}

CLI::Validator cluster_size() {
    return CLI::Validator(
        [](std::string& v) -> std::string {
            if (v == "3" || v == "5" || v == "7") return "";
            return "\"" + v + "\" is not 3, 5 or 7, the cluster sizes the page draws; e.g. --nodes 5";
        },
        "");
}

void parse(CLI::App& app, Options& o) {
    app.add_option("--impl", o.impl,
                   "whose lab 10 server runs: solutions (the default where it exists), starter or a path");
    app.add_option("--nodes", o.nodes, "servers in the cluster: 3, 5 or 7")->check(cluster_size());
    app.add_option("--port", o.port, "the page's port on 127.0.0.1 (default 8010)")
        ->check(whole_number(1, 65535, "a port"));
    app.add_flag("--open", o.open, "open the page with xdg-open or sensible-browser");
    app.add_flag("--prepare", o.prepare, "ahead of a talk: build the server and try a cluster once, then exit");
    app.add_option("--proxy-control", o.proxy_control,
                   "the fault proxy's HTTP control port, for ./raftlab proxy --control PORT (default 7400, or a free "
                   "port when 7400 is taken; 0: any free port)")
        ->check(whole_number(0, 65535, "a port"));
    // For tests and measurements; not in ./raftlab help.
    app.add_option("--load", o.load, "background client load, operations per second")
        ->group("")
        ->check(whole_number(0, 5000, "a load"));
    app.add_option("--server-binary", o.server_binary, "a built lab10-server (skips building)")->group("");
    app.add_option("--frame-ms", o.frame_ms, "milliseconds between state frames")
        ->group("")
        ->check(whole_number(20, 2000, "a frame period"));
    app.add_flag("--keep-files", o.keep_files, "keep the cluster's work directory")->group("");
    app.parse_complete_callback([&app, &o] {
        o.proxy_control_given = app.count("--proxy-control") > 0;
        o.impl_given = app.count("--impl") > 0;
        if (o.prepare && o.open)
            throw CLI::ValidationError("--prepare", "builds, tries a cluster and exits, so --open has no page to open; "
                                                    "run ./raftlab demo --prepare, then ./raftlab demo --open");
    });
}

/// Edits (insertions, deletions, substitutions) that turn `a` into `b`.
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

/// A mistyped option gets the one it probably meant: "--prepre is not an option of
/// raftlab demo; did you mean --prepare?". "" for anything else.
std::string unknown_option(const CLI::App& app) {
    auto extras = app.remaining();
    if (extras.empty() || extras.front().rfind("--", 0) != 0) return "";
    const std::string typed = extras.front().substr(2, extras.front().find('=') - 2);
    std::string best;
    std::size_t best_distance = 3;  // more edits than two: no guess
    for (const CLI::Option* option : app.get_options())
        for (const std::string& name : option->get_lnames())
            if (std::size_t d = edit_distance(typed, name); d < best_distance && option->get_group() != "") {
                best = name;
                best_distance = d;
            }
    return "--" + typed + " is not an option of raftlab demo" + (best.empty() ? "" : "; did you mean --" + best + "?");
}

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// "7 min 58 s", "42 s", "0.6 s".
std::string duration(double s) {
    char text[48];
    if (s < 10) std::snprintf(text, sizeof text, "%.1f s", s);
    else if (s < 60) std::snprintf(text, sizeof text, "%d s", static_cast<int>(s));
    else std::snprintf(text, sizeof text, "%d min %d s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    return text;
}

/// Seconds ./raftlab spent before starting this program (installing packages, building
/// the tools): it exports RAFTLAB_STARTED_NS (date +%s%N). -1 when run some other way,
/// or when the value is not a time of the last day (macOS's date has no %N).
double seconds_before_main() {
    const char* started = std::getenv("RAFTLAB_STARTED_NS");
    if (started == nullptr || *started == '\0' || std::strspn(started, "0123456789") != std::strlen(started)) return -1;
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
    double s = static_cast<double>(now.count() - std::atoll(started)) / 1e9;
    return s >= 0 && s < 86400 ? s : -1;
}

/// The server: --server-binary, or built (with a hint at --prepare when that was slow).
fs::path server_for(const Options& o) {
    if (!o.server_binary.empty()) return o.server_binary;
    auto start = Clock::now();
    fs::path server = build_server(o.impl);
    if (double s = seconds_since(start); s > 20 && !o.prepare)
        std::cerr << "raftlab demo: the server took " << duration(s)
                  << " to build; before a talk, ./raftlab demo --prepare does this ahead of time\n";
    return server;
}

/// Starts the cluster once, as the demo will, and waits for a leader. Returns
/// "leader n1 after 0.7 s"; throws proc::ProcessError when a server does not start or
/// no leader is elected (their logs are kept in build/demo/prepare-logs).
std::string trial_run(const fs::path& root, const fs::path& server, int nodes) {
    kv::ClusterOptions c;
    c.server_binary = server;
    c.nodes = nodes;
    c.work_dir = demo_work_dir(root);
    kv::LocalCluster cluster(c);
    auto start = Clock::now();
    cluster.start_all();
    int leader = cluster.wait_for_leader(std::chrono::seconds(15));
    if (leader < 0) {
        fs::path logs = root / "build" / "demo" / "prepare-logs";
        cluster.save_logs(logs);
        throw proc::ProcessError("a trial cluster of " + std::to_string(nodes) +
                                 " servers elected no leader within 15 s; their logs are in " + logs.string());
    }
    return "leader " + kv::LocalCluster::name(leader) + " after " + duration(seconds_since(start));
}

/// --prepare: everything slow that the first demo does, ahead of a talk, then exit 0.
int prepare(const fs::path& root, const Options& o) {
    const double tools_s = seconds_before_main();
    const auto start = Clock::now();
    fs::path server = server_for(o);
    const double server_s = seconds_since(start);
    std::cerr << "raftlab demo: trying a cluster of " << o.nodes << " servers once\n";
    std::string trial = trial_run(root, server, o.nodes);
    try {  // the page's port: a problem the presenter can fix before the talk
        boost::asio::io_context io;
        web::WebServer probe(io, o.port);
    } catch (const web::PortError& e) {
        std::cerr << "raftlab demo: note for the talk: " << e.what() << "\n";
    }
    const double total = seconds_since(start) + std::max(0.0, tools_s);
    std::cout << "raftlab demo: prepared in " << duration(total) << " ("
              << (tools_s >= 0 ? "the tools " + duration(tools_s) + ", " : "")
              << (o.server_binary.empty() ? "the lab 10 server of " + o.impl + " " + duration(server_s) + ", " : "")
              << "a trial run of " << o.nodes << " servers: " << trial << ")\n"
              << "raftlab demo: the next ./raftlab demo" << (o.impl_given ? " --impl " + o.impl : "")
              << " starts in about a second" << std::endl;
    return 0;
}

/// The fault proxy's control, for ./raftlab proxy: the port asked for, or 7400 when it is
/// free and any free port when it is not.
int serve_proxy_control(web::Demo& demo, const Options& o) {
    if (!o.proxy_control_given) {
        try {
            return demo.serve_proxy_control(o.proxy_control);
        } catch (const proxy::ProxyError&) {
            return demo.serve_proxy_control(0);  // another cluster has 7400
        }
    }
    try {
        return demo.serve_proxy_control(o.proxy_control);
    } catch (const proxy::ProxyError& e) {
        throw web::PortError(std::string("--proxy-control: ") + e.what());
    }
}

/// Stops the event loop on Ctrl-C, SIGTERM or SIGHUP; the Demo's destructor then kills
/// every server. If tearing down hangs, leave anyway: the servers die with us.
void stop_on_signals(boost::asio::io_context& io, boost::asio::signal_set& signals) {
    signals.async_wait([&io](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        std::cerr << "\nraftlab demo: " << (signal == SIGINT ? "interrupted" : "asked to stop")
                  << "; stopping every server\n";
        std::thread([] {
            std::this_thread::sleep_for(std::chrono::seconds(10));
            std::fputs("raftlab demo: shutting down took too long; exiting\n", stderr);
            std::_Exit(1);
        }).detach();
        io.stop();
    });
}

/// The demo itself: the page's port first (a port in use is reported before anything
/// slow), then the server, the cluster and the page, until a signal.
void run(const fs::path& root, const Options& o) {
    boost::asio::io_context io;
    web::WebServer server(io, o.port);
    web::DemoOptions options;
    options.server_binary = server_for(o);
    options.nodes = o.nodes;
    options.frame_ms = o.frame_ms;
    options.load_ops = o.load;
    options.keep_files = o.keep_files;
    options.work_dir = demo_work_dir(root);
    web::Demo demo(options);
    demo.set_frame_sink([&server](const std::string& frame) { server.broadcast(frame); });
    demo.start();
    int control = serve_proxy_control(demo, o);
    server.serve(demo, assemble_page());
    boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    stop_on_signals(io, signals);
    std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
    std::cout << "raftlab demo: " << url << "  (" << o.nodes << " servers of " << o.impl << "; Ctrl-C stops everything)\n"
              << "raftlab demo: work directory " << demo.work_dir().string() << " (server logs in logs/; "
              << (o.keep_files ? "kept" : "removed") << " when the demo stops)\n"
              << "raftlab demo: fault proxy control on 127.0.0.1:" << control << " (./raftlab proxy --control " << control
              << " status)" << std::endl;
    if (o.open)
        if (std::string why = open_browser(url); !why.empty())
            std::cerr << "raftlab demo: cannot open a browser: " << why << "; open " << url
                      << " yourself (from another machine: ssh -L " << server.port() << ":127.0.0.1:" << server.port()
                      << " this-host)\n";
    io.run();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab demo: a live Raft cluster in the browser, for presenters", "raftlab demo"};
    // The reference when this repository has it (instructors, presenters); in a
    // student's repository, the student's own server.
    const char* root_env = std::getenv("RAFTLAB_ROOT");
    fs::path root = root_env && *root_env ? fs::path(root_env) : fs::path(RAFTLAB_SOURCE_DIR);
    Options o;
    o.impl = fs::exists(root / "solutions") ? "solutions" : "starter";
    try {
        parse(app, o);
        app.parse(argc, argv);
    } catch (const CLI::ExtrasError& e) {
        if (std::string said = unknown_option(app); !said.empty()) {
            std::cerr << "raftlab demo: " << said << " (./raftlab demo --help lists them)\n";
            return 2;
        }
        return raftlab::cli::parse_error_exit(app, e, "raftlab demo", "./raftlab demo --help");
    } catch (const CLI::ParseError& e) {
        return raftlab::cli::parse_error_exit(app, e, "raftlab demo", "./raftlab demo --help");
    }

    proc::Supervisor::install_signal_cleanup();  // until the event loop takes the signals over
    try {
        if (o.prepare) return prepare(root, o);
        run(root, o);
    } catch (const proc::ProcessError& e) {
        std::cerr << "raftlab demo: " << e.what() << "\n";
        if (o.impl != "solutions" && o.server_binary.empty())
            std::cerr << "raftlab demo: the demo needs a working lab 10 server; finish lab 10 in " << o.impl
                      << (fs::exists(root / "solutions") ? ", or use --impl solutions\n" : "\n");
        return 1;
    } catch (const web::PortError& e) {
        std::cerr << "raftlab demo: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "raftlab demo: " << e.what() << "\n";
        return 1;
    }
    std::cerr << "raftlab demo: stopped\n";
    return 0;
}
