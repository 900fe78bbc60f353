// raftlab-demo: `./raftlab demo`, the live page for presenters (harness/web/README.md).
//
// Order of work: bind the page's port first (a port in use is reported before anything
// slow), build the lab 10 server through the grader, start the cluster, then serve.
// Ctrl-C, SIGTERM and SIGHUP stop the event loop; the Demo's destructor kills every
// server. Before the loop runs, and if shutting down hangs, the supervisor's signal
// cleanup and the servers' parent-death signal make sure no server outlives us.
#include "demo.h"
#include "web_server.h"

#include "raftlab/cli/parse_error.h"
#include "raftlab/proc/supervisor.h"

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <unistd.h>

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

/// Runs `$RAFTLAB_GRADER build-server --impl IMPL` and returns the path it prints.
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

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab demo: a live Raft cluster in the browser, for presenters", "raftlab demo"};
    // The reference when this repository has it (instructors, presenters); in a
    // student's repository, the student's own server.
    const char* root_env = std::getenv("RAFTLAB_ROOT");
    fs::path root = root_env && *root_env ? fs::path(root_env) : fs::path(RAFTLAB_SOURCE_DIR);
    std::string impl = fs::exists(root / "solutions") ? "solutions" : "starter", server_binary;
    int nodes = 3, port = 8010, load = 0, frame_ms = 100;
    bool open = false, keep_files = false;
    app.add_option("--impl", impl, "whose lab 10 server runs: solutions (the default where it exists), starter or a path");
    app.add_option("--nodes", nodes, "servers in the cluster")->check(CLI::IsMember({3, 5, 7}));
    app.add_option("--port", port, "the page's port on 127.0.0.1 (default 8010)")->check(CLI::Range(1, 65535));
    app.add_flag("--open", open, "open the page with xdg-open or sensible-browser");
    // For tests and measurements; not in ./raftlab help.
    app.add_option("--load", load, "background client load, operations per second")->group("")->check(CLI::Range(0, 5000));
    app.add_option("--server-binary", server_binary, "a built lab10-server (skips building)")->group("");
    app.add_option("--frame-ms", frame_ms, "milliseconds between state frames")->group("")->check(CLI::Range(20, 2000));
    app.add_flag("--keep-files", keep_files, "keep the cluster's work directory")->group("");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return raftlab::cli::parse_error_exit(app, e, "raftlab demo", "./raftlab demo --help");
    }

    proc::Supervisor::install_signal_cleanup();  // until the event loop takes the signals over
    boost::asio::io_context io;
    try {
        web::WebServer server(io, port);
        web::DemoOptions options;
        options.server_binary = server_binary.empty() ? build_server(impl) : fs::path(server_binary);
        options.nodes = nodes;
        options.frame_ms = frame_ms;
        options.load_ops = load;
        options.keep_files = keep_files;
        options.work_dir = demo_work_dir(root);
        web::Demo demo(options);
        demo.set_frame_sink([&server](const std::string& frame) { server.broadcast(frame); });
        demo.start();
        server.serve(demo, assemble_page());

        boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
        signals.async_wait([&io](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            std::cerr << "\nraftlab demo: " << (signal == SIGINT ? "interrupted" : "asked to stop")
                      << "; stopping every server\n";
            // If tearing down hangs, leave anyway: the servers die with us (parent-death signal).
            std::thread([] {
                std::this_thread::sleep_for(std::chrono::seconds(10));
                std::fputs("raftlab demo: shutting down took too long; exiting\n", stderr);
                std::_Exit(1);
            }).detach();
            io.stop();
        });
        std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
        std::cout << "raftlab demo: " << url << "  (" << nodes << " servers of " << impl
                  << "; Ctrl-C stops everything)" << std::endl;
        std::cout << "raftlab demo: work directory " << demo.work_dir().string()
                  << " (server logs in logs/; " << (keep_files ? "kept" : "removed") << " when the demo stops)" << std::endl;
        if (open)
            if (std::string why = open_browser(url); !why.empty())
                std::cerr << "raftlab demo: cannot open a browser: " << why << "; open " << url
                          << " yourself (from another machine: ssh -L " << server.port() << ":127.0.0.1:"
                          << server.port() << " this-host)\n";
        io.run();
    } catch (const proc::ProcessError& e) {
        std::cerr << "raftlab demo: " << e.what() << "\n";
        if (impl != "solutions" && server_binary.empty())
            std::cerr << "raftlab demo: the demo needs a working lab 10 server; finish lab 10 in " << impl
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
