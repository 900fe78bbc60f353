// raftlab-grader: the grading engine's command line. The entry script ./raftlab
// sets up the machine, builds this program and hands it `grade`, `replay`,
// `selftest`, `export-student` and `gradescope`; see README.md for the commands
// people type.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "batch.h"
#include "build.h"
#include "catalog.h"
#include "child.h"
#include "export.h"
#include "grade.h"
#include "gradescope.h"
#include "platform.h"
#include "report.h"
#include "selftest.h"
#include "tempdir.h"

#include "raftlab/cli/parse_error.h"

namespace fs = std::filesystem;
using namespace raftlab::grader;

namespace {

fs::path repository_root() {
    if (const char* r = std::getenv("RAFTLAB_ROOT"); r && *r) return fs::canonical(r);
    return fs::canonical(RAFTLAB_SOURCE_DIR);
}

std::vector<const Lab*> select_labs(const std::vector<Lab>& catalog, const std::vector<std::string>& names,
                                    bool gradable_only) {
    std::vector<const Lab*> out;
    if (names.empty())
        for (const auto& lab : catalog) {
            if (!lab.error.empty()) throw ConfigError(lab.error);
            out.push_back(&lab);
        }
    for (const auto& n : names) out.push_back(&find_lab(catalog, n));
    if (gradable_only) std::erase_if(out, [](const Lab* l) { return !l->gradable; });
    return out;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    if (!out || !(out << text))
        throw ConfigError(path + ": cannot be written; check the folder exists and is writable");
}

/// Refuses, before any work, an output file that could not be written at the end.
void check_writable(const std::string& path, const char* flag) {
    if (path.empty()) return;
    const fs::path file(path);
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw ConfigError(std::string(flag) + " " + path + ": the folder " + dir.string() +
                          " does not exist; create it first or write the file elsewhere");
    if (::access(dir.c_str(), W_OK) != 0 || (fs::exists(file, ec) && ::access(file.c_str(), W_OK) != 0))
        throw ConfigError(std::string(flag) + " " + path + ": cannot be written; check the permissions of " +
                          dir.string());
}

int cmd_grade(const fs::path& root, const std::vector<std::string>& names, const std::string& impl_arg,
              const std::string& json_path, const std::string& junit_path, bool gradable_only, int isolation) {
    check_writable(json_path, "--json");
    check_writable(junit_path, "--junit");
    std::vector<Lab> catalog = load_catalog(root);
    GradeOptions opts;
    opts.labs = select_labs(catalog, names, gradable_only);
    opts.impl = resolve_impl(root, impl_arg);
    if (isolation != 0) opts.impl.isolated = isolation > 0;
    bool tty = isatty(STDOUT_FILENO);
    if (tty) {
        opts.on_build = [](const Lab& lab) { std::cout << "\r\033[Kbuilding " << lab.label() << " ..." << std::flush; };
        opts.on_check = [](const Lab& lab, const Check& c, std::size_t done, std::size_t total) {
            std::cout << fmt::format("\r\033[K[{}/{}] {} {} ...", done + 1, total, lab.label(), c.id) << std::flush;
        };
    }
    GradeReport report = grade(root, opts);
    if (tty) std::cout << "\r\033[K";
    print_table(std::cout, report, tty);
    if (!json_path.empty()) write_file(json_path, gradescope_json(report));
    if (!junit_path.empty()) write_file(junit_path, junit_xml(report));
    if (auto errors = report.setup_errors(); !errors.empty()) {
        for (const auto& e : errors) std::cerr << "raftlab: setup error: labs/" << e << "\n";
        return 2;
    }
    return report.all_passed() ? 0 : 1;
}

int cmd_replay(const fs::path& root, const std::string& lab_name, const std::string& check_id, std::uint64_t seed,
               const std::string& impl_arg, const std::string& html, bool isolated) {
    std::vector<Lab> catalog = load_catalog(root);
    const Lab& lab = find_lab(catalog, lab_name);
    std::size_t index = lab.checks.size();
    for (std::size_t i = 0; i < lab.checks.size(); ++i)
        if (lab.checks[i].id == check_id) index = i;
    if (index == lab.checks.size()) {
        std::string ids;
        for (const auto& c : lab.checks) ids += (ids.empty() ? "" : ", ") + c.id;
        throw ConfigError("lab " + lab.slug + " has no check \"" + check_id + "\"; its checks: " + ids);
    }
    if (!html.empty() && !lab.timeline)
        throw ConfigError("--html " + html + ": " + lab.label() + "'s checks draw no timeline (the simulated " +
                          "projects' checks do); replay without --html, its output is the whole run");
    // A lab with a timeline may still have a check of real processes (lab 13's last):
    // only seeded checks run in the simulator.
    if (!html.empty() && !lab.checks[index].seeds)
        throw ConfigError("--html " + html + ": " + check_id + " runs real processes and draws no timeline (only " +
                          "the simulated checks of " + lab.label() + " do); replay without --html, its output and " +
                          "its artifacts folder are the whole run");
    Impl impl = resolve_impl(root, impl_arg);
    if (isolated) impl.isolated = true;
    BuildOutcome b = configure(root, impl);
    if (b.ok) b = build_lab(root, impl, lab);
    if (!b.ok) {
        std::cout << lab.label() << " did not compile:\n" << b.errors;
        return 1;
    }
    const Check& check = lab.checks[index];
    ChildSpec spec;
    spec.program = check_binary(impl, lab);
    spec.args = {"--gtest_filter=" + check.test, "--gtest_brief=1"};
    spec.inherit_output = true;
    spec.limits.wall = std::chrono::seconds(check.timeout_s * 4);
    spec.env_overrides = check_environment(root, lab, check);
    spec.env_overrides["RAFTLAB_SEED"] = std::to_string(seed);
    spec.env_overrides["RAFTLAB_TIMELINE"] = "1";
    if (!html.empty()) spec.env_overrides["RAFTLAB_HTML"] = fs::absolute(html).string();
    ChildResult r = run_child(spec);
    if (r.timed_out) std::cout << "replay: timed out after " << spec.limits.wall.count() / 1000 << " s\n";
    if (r.signal) std::cout << "replay: crashed with " << describe_signal(*r.signal) << "\n";
    if (!html.empty() && fs::exists(html)) std::cout << "timeline written to " << html << "\n";
    return r.exit_code == 0 ? 0 : 1;
}

/// `build-server`: builds the lab 10 server of an implementation and prints its path,
/// for the tools that start real clusters (cluster, kv bench, demo).
int cmd_build_server(const fs::path& root, const std::string& impl_arg) {
    Impl impl = resolve_impl(root, impl_arg);
    BuildOutcome b = configure(root, impl);
    if (b.ok) b = build_target(root, impl, "lab10_server");
    if (!b.ok || !fs::exists(server_binary(impl))) {
        std::cerr << "raftlab: the lab 10 server of " << impl.source.string() << " did not build"
                  << (b.errors.empty() ? "; lab 10 needs raft/*.cpp and system/*.cpp in the implementation\n" : ":\n")
                  << b.errors;
        return 1;
    }
    std::cout << server_binary(impl).string() << "\n";
    return 0;
}

int cmd_export_student(const fs::path& root, const std::string& dir, const std::vector<std::string>& check_labs,
                       bool no_check) {
    std::vector<Lab> catalog = load_catalog(root);
    std::vector<const Lab*> labs = select_labs(catalog, check_labs, true);
    std::vector<ExportedFile> files = export_files(root, {});
    write_tree(files, dir);
    int hidden = 0;
    for (const auto& lab : catalog)
        for (const auto& c : lab.checks) hidden += c.visibility == Visibility::hidden;
    std::cout << fmt::format("exported {} files to {}: no solutions/, no broken variants, {} hidden checks left out\n",
                             files.size(), dir, hidden);
    if (no_check) return 0;
    std::string numbers;
    for (const Lab* lab : labs) numbers += (numbers.empty() ? "" : " ") + std::to_string(lab->number);
    std::cout << "checking the export: in a copy of it, ./raftlab grade " << numbers
              << " on its starter/ (this builds raftlab from scratch) ..." << std::endl;
    StudentTreeCheck check = check_student_tree(dir, labs);
    if (!check.problem.empty()) {
        std::cout << "the exported repository does not work:\n" << check.problem << "\n";
        return 1;
    }
    std::cout << fmt::format("the export works: it built and graded {} labs in {:.0f} s; all {} visible checks are "
                             "listed, no hidden one (starter score {})\n",
                             labs.size(), check.seconds, check.visible, check.score);
    return 0;
}

int cmd_gradescope(const fs::path& root, const std::string& zip, const std::vector<std::string>& names) {
    std::vector<Lab> catalog = load_catalog(root);
    std::vector<const Lab*> labs;
    for (const auto& n : names) labs.push_back(&find_lab(catalog, n));
    GradescopeArchive a = build_gradescope_archive(root, zip, labs);
    std::string which = "every lab";
    if (!labs.empty()) {
        which = "lab";
        for (const Lab* lab : labs) which += " " + std::to_string(lab->number);
    }
    std::cout << fmt::format("wrote {} ({} files, {} KiB): the Gradescope autograder for {}, hidden checks "
                             "included, no solutions/\n",
                             zip, a.files, a.bytes / 1024, which);
    std::cout << "upload it as the assignment's autograder (base image: Ubuntu 24.04); students submit their "
                 "starter/ folder\n";
    return 0;
}

/// "2:05": minutes and seconds since `start`.
std::string elapsed_since(std::chrono::steady_clock::time_point start) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
    return fmt::format("{}:{:02}", s / 60, s % 60);
}

/// No silent minutes: a build says how far it has got, on stderr, which stays the
/// terminal when stdout is a pipe (./raftlab demo reads build-server's output). On a
/// terminal one line is rewritten as the build goes, "raftlab: building lab10_server:
/// 7/19 steps (36 %), 2:05", and cleared when it ends; elsewhere (a log, CI) a build
/// that has run for 5 s or more prints a line at every tenth of its steps.
void show_build_progress() {
    struct State {
        std::string what;
        int shown = -1;  ///< the last tenth printed
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    };
    auto state = std::make_shared<State>();
    const bool tty = isatty(STDERR_FILENO);
    set_build_progress([state, tty](const std::string& what, int done, int total) {
        if (total == 0) {  // a build starts (done 0) or ends (done -1)
            *state = State{what};
            if (tty) std::cerr << "\r\033[K" << (done == 0 ? "raftlab: building " + what + " ..." : "") << std::flush;
            return;
        }
        if (done <= 0) return;  // ninja's "[0/2] Re-checking globbed directories"
        if (tty) {
            std::cerr << fmt::format("\r\033[Kraftlab: building {}: {}/{} steps ({} %), {}", what, done, total,
                                     done * 100 / total, elapsed_since(state->start)) << std::flush;
            return;
        }
        const int tenth = done * 10 / total;
        if (tenth <= state->shown || std::chrono::steady_clock::now() - state->start < std::chrono::seconds(5)) return;
        state->shown = tenth;
        std::cerr << fmt::format("raftlab: building {}: {} of {} steps ({} %), {}\n", what, done, total,
                                 done * 100 / total, elapsed_since(state->start));
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"raftlab: build and grade the raftlab projects", "raftlab"};
    app.require_subcommand(1);
    std::vector<std::string> labs;
    std::string impl = "starter", json_path, junit_path, html;
    bool gradable_only = false;

    auto* grade_cmd = app.add_subcommand("grade", "build and grade labs (all of them when none is named)");
    grade_cmd->add_option("labs", labs, "lab numbers or folder names, e.g. 4 or 04-log");
    grade_cmd->add_option("--impl", impl, "starter, solutions or a path to an implementation");
    grade_cmd->add_option("--json", json_path, "write Gradescope results.json here");
    grade_cmd->add_option("--junit", junit_path, "write JUnit XML here");
    grade_cmd->add_flag("--gradable-only", gradable_only, "skip labs that are not yet gradable");
    bool isolated = false, fast = false;
    grade_cmd->add_flag("--isolated", isolated,
                        "run student code only in processes of its own, as official grading does (the default "
                        "for any --impl PATH)");
    grade_cmd->add_flag("--fast", fast, "compile student code into the checks (a student's own runs; the default "
                                        "for starter and solutions)");
    std::string submissions, gradebook = "gradebook.csv";
    int jobs = 1;
    auto* submissions_opt = grade_cmd->add_option("--submissions", submissions,
                                                  "grade a class: one folder per student in this folder");
    auto* jobs_opt = grade_cmd->add_option("--jobs", jobs, "with --submissions: students graded at once");
    auto* out_opt = grade_cmd->add_option("--out", gradebook, "with --submissions: the CSV gradebook to write");
    std::string shard;
    auto* shard_opt = grade_cmd->add_option("--shard", shard, "with --submissions: grade only shard I of N (I/N)");
    bool trust_submissions = false;
    auto* trust_opt = grade_cmd->add_flag("--trust-submissions", trust_submissions,
                                          "with --submissions, not as root: grade anyway, although a submission's "
                                          "code could then change the grader and other students' grades");

    std::vector<std::string> merge_inputs;
    std::string merge_out = "gradebook.csv";
    auto* gradebook_cmd = app.add_subcommand("gradebook", "work with gradebooks of batch grading");
    auto* merge_cmd = gradebook_cmd->add_subcommand("merge", "join the gradebooks of shards into one");
    merge_cmd->add_option("gradebooks", merge_inputs, "each shard's gradebook .csv (its folder beside it)")->required();
    merge_cmd->add_option("--out", merge_out, "the merged gradebook to write");
    gradebook_cmd->require_subcommand(1);

    std::string lab_name, check_id;
    std::uint64_t seed = 1;
    auto* replay_cmd = app.add_subcommand("replay", "rerun one seed of a simulated check with its timeline");
    replay_cmd->add_option("lab", lab_name, "lab number or folder")->required();
    replay_cmd->add_option("check", check_id, "check id from the grade table")->required();
    replay_cmd->add_option("--seed", seed, "the seed printed by the failing check")->required();
    replay_cmd->add_option("--impl", impl, "starter, solutions or a path");
    replay_cmd->add_option("--html", html, "also write a self-contained HTML timeline");
    bool replay_isolated = false;
    replay_cmd->add_flag("--isolated", replay_isolated, "run the servers in processes of their own, as graded");

    auto* self_cmd = app.add_subcommand("selftest", "grade the broken variants under labs/*/broken");
    self_cmd->add_option("labs", labs, "labs to check (default: all)");
    bool prove_search_only = false;
    std::string workspace = "variants";
    self_cmd->add_option("--workspace", workspace,
                         "the name of the copy of solutions/ and of its build folder under build/ (default: "
                         "variants); give two selftests that run at once different names")
        ->check([](const std::string& v) {
            const bool ok = !v.empty() && v.size() <= 40 &&
                            std::all_of(v.begin(), v.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
            return ok ? std::string() : "must be letters, digits, - or _ (at most 40), got \"" + v.substr(0, 40) + "\"";
        });
    self_cmd->add_flag("--prove-search-only", prove_search_only,
                       "also grade every other check of a lab for each variant marked caught-only-by-search, "
                       "and require each to pass (a whole lab's grade per such variant)");

    auto* server_cmd = app.add_subcommand("build-server", "build the lab 10 server program and print its path");
    server_cmd->add_option("--impl", impl, "starter, solutions or a path");

    std::string export_dir;
    std::vector<std::string> check_labs;
    bool no_check = false;
    auto* export_cmd = app.add_subcommand("export-student", "write the repository students get");
    export_cmd->add_option("dir", export_dir, "a new or empty folder")->required();
    export_cmd->add_option("--check-labs", check_labs, "labs the export's self-check grades (default: all)");
    export_cmd->add_flag("--no-check", no_check, "skip building and grading the export");

    std::string zip_path;
    auto* gradescope_cmd = app.add_subcommand("gradescope", "build the Gradescope autograder archive");
    gradescope_cmd->add_option("zip", zip_path, "the archive to write, e.g. autograder.zip")->required();
    gradescope_cmd->add_option("labs", labs, "labs it grades (default: all)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return raftlab::cli::parse_error_exit(app, e, "raftlab", "./raftlab help");
    }
    try {
        install_interrupt_cleanup();
        sweep_stale_temp_dirs();
        // Before any thread: each check's folder becomes a bounded tmpfs (platform.h).
        platform::private_mount_namespace();
        show_build_progress();
        fs::path root = repository_root();
        if (*grade_cmd && *submissions_opt) {
            if (impl != "starter" || !json_path.empty() || !junit_path.empty())
                throw ConfigError("--submissions grades each student's own folder and writes their JSON next to "
                                  "the gradebook; leave out --impl, --json and --junit");
            // Without root the checks run as the grader's own user, which owns the
            // grader, the check binaries and every student's results: nothing keeps
            // one submission's code from rewriting them (platform.h).
            if (geteuid() != 0 && !trust_submissions)
                throw ConfigError("--submissions: not running as root, so each check would run as your own user and "
                                  "a submission's code could rewrite the grader, the checks and other students' "
                                  "grades; grade the class as root (sudo, or a container), or add "
                                  "--trust-submissions if you trust every submission");
            std::vector<Lab> catalog = load_catalog(root);
            BatchOptions batch;
            batch.submissions = submissions;
            batch.jobs = jobs;
            batch.gradebook = gradebook;
            batch.labs = select_labs(catalog, labs, true);
            batch.grader = fs::canonical("/proc/self/exe");
            if (*shard_opt) {
                int i = 0, n = 0;
                char slash = 0, extra = 0;
                if (std::sscanf(shard.c_str(), "%d%c%d%c", &i, &slash, &n, &extra) != 3 || slash != '/' || n < 1 ||
                    n > 10000 || i < 1 || i > n)
                    throw ConfigError("--shard " + shard + ": give I/N with 1 <= I <= N, e.g. --shard 2/3 for the "
                                      "second of three shards");
                batch.shard = i;
                batch.shards = n;
            }
            return run_batch(root, batch);
        }
        if (*grade_cmd && (*jobs_opt || *out_opt || *shard_opt || *trust_opt))
            throw ConfigError("--jobs, --out, --shard and --trust-submissions go with --submissions DIR");
        if (*merge_cmd) return merge_gradebooks(root, {merge_inputs.begin(), merge_inputs.end()}, merge_out);
        if (*grade_cmd && isolated && fast) throw ConfigError("--isolated and --fast exclude each other; give one");
        if (*grade_cmd) return cmd_grade(root, labs, impl, json_path, junit_path, gradable_only,
                                         isolated ? 1 : (fast ? -1 : 0));
        if (*server_cmd) return cmd_build_server(root, impl);
        if (*export_cmd) return cmd_export_student(root, export_dir, check_labs, no_check);
        if (*gradescope_cmd) return cmd_gradescope(root, zip_path, labs);
        if (*replay_cmd) return cmd_replay(root, lab_name, check_id, seed, impl, html, replay_isolated);
        if (*self_cmd) {
            std::vector<Lab> catalog = load_catalog(root);
            return run_variant_selftest(root, select_labs(catalog, labs, true), isatty(STDOUT_FILENO), prove_search_only,
                                        workspace) ? 1 : 0;
        }
    } catch (const ConfigError& e) {
        std::cerr << "raftlab: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "raftlab: internal error: " << e.what() << "\n";
        return 2;
    }
    return 2;
}
