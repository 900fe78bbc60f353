#include "batch.h"

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "build.h"
#include "child.h"
#include "platform.h"
#include "report.h"

namespace raftlab::grader {
namespace asio = boost::asio;
namespace bp = boost::process::v2;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace {

/// One student of the class.
struct Student {
    std::string name;        ///< the folder's name
    fs::path folder;
    fs::path impl;           ///< empty: no starter files found
    std::string fingerprint;
    bool resumed = false;    ///< already graded by an earlier run
};

/// How one student's grading went, read back from their .json.
struct Outcome {
    std::map<int, int> lab_scores;
    int total = 0;
    std::string problem;     ///< why the submission could not be graded, "" when it was
    json::array tests;
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_atomically(const fs::path& path, const std::string& text) {
    fs::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out || !(out << text) || !out.flush())
            throw ConfigError(tmp.string() + ": cannot be written; check the disk and the folder's permissions");
    }
    fs::rename(tmp, path);
}

/// FNV-1a, 64 bits: a stable hash (std::hash may change between builds).
class Fnv {
public:
    void add(std::string_view data) {
        for (unsigned char c : data) h_ = (h_ ^ c) * 1099511628211ull;
        h_ = (h_ ^ 0xff) * 1099511628211ull;  // a separator, so "ab"+"c" differs from "a"+"bc"
    }
    std::string hex() const { return fmt::format("{:016x}", h_); }

private:
    std::uint64_t h_ = 14695981039346656037ull;
};

/// The submission's files and what it is graded on: same fingerprint, same grade.
std::string fingerprint(const Student& s, const std::vector<const Lab*>& labs) {
    Fnv h;
    h.add("raftlab batch 1");
    for (const Lab* lab : labs) {
        h.add(lab->slug);
        h.add(read_file(lab->yaml));
    }
    if (s.impl.empty()) return h.hex();
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(s.impl); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_directory() && it->path().filename() == ".git") it.disable_recursion_pending();
        else if (it->is_regular_file()) files.push_back(fs::relative(it->path(), s.impl));
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        h.add(f.string());
        h.add(read_file(s.impl / f));
    }
    return h.hex();
}

/// The folders of root/starter: a submission must have at least one of them.
std::vector<std::string> starter_folders(const fs::path& root) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root / "starter", ec))
        if (e.is_directory()) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

fs::path find_impl(const fs::path& folder, const std::vector<std::string>& wanted) {
    std::error_code ec;
    for (const fs::path& candidate : {folder / "starter", folder})
        for (const auto& w : wanted)
            if (fs::is_directory(candidate / w, ec)) return candidate;
    return {};
}

/// Gradescope JSON in which every check scores 0 for `reason`.
std::string zero_results(const std::vector<const Lab*>& labs, const std::string& reason) {
    json::array tests;
    for (const Lab* lab : labs)
        for (std::size_t i = 0; i < lab->checks.size(); ++i) {
            const Check& c = lab->checks[i];
            tests.push_back(json::object{
                {"name", gradescope_test_name(*lab, c)},
                {"number", std::to_string(lab->number) + "." + std::to_string(i + 1)},
                {"score", 0},
                {"max_score", c.points},
                {"status", "failed"},
                {"output", "not graded: " + reason},
                {"visibility", c.visibility == Visibility::hidden ? "hidden" : "visible"},
            });
        }
    return json::serialize(json::object{{"score", 0}, {"output", "raftlab: not graded: " + reason}, {"tests", tests}});
}

/// Adds what the batch needs to find again to a student's results.json.
std::string with_batch_data(const std::string& results, const Student& s, const std::string& problem) {
    json::value v = json::parse(results);
    json::object& top = v.as_object();
    json::object extra;
    if (auto* e = top.if_contains("extra_data"); e && e->is_object()) extra = e->as_object();
    extra["raftlab_batch"] = json::object{{"student", s.name},
                                          {"submission", s.impl.empty() ? s.folder.string() : s.impl.string()},
                                          {"fingerprint", s.fingerprint},
                                          {"problem", problem}};
    top["extra_data"] = extra;
    if (auto* score = top.if_contains("score"); score && problem.empty())
        top["output"] = "raftlab: " + json::serialize(*score) + " points for " + s.name;
    return json::serialize(v) + "\n";
}

Outcome read_outcome(const fs::path& json_file) {
    Outcome o;
    boost::system::error_code ec;
    json::value v = json::parse(read_file(json_file), ec);
    if (ec || !v.is_object()) {
        o.problem = json_file.string() + " is not valid JSON";
        return o;
    }
    const json::object& top = v.as_object();
    if (auto* t = top.if_contains("tests"); t && t->is_array()) o.tests = t->as_array();
    for (const auto& t : o.tests) {
        std::string number(t.as_object().at("number").as_string());
        int score = json::value_to<int>(t.as_object().at("score"));
        o.lab_scores[std::stoi(number)] += score;
        o.total += score;
    }
    if (auto* e = top.if_contains("extra_data"); e && e->is_object())
        if (auto* b = e->as_object().if_contains("raftlab_batch"); b && b->is_object())
            o.problem = std::string(b->as_object().at("problem").as_string());
    return o;
}

std::string recorded_fingerprint(const fs::path& json_file) {
    boost::system::error_code ec;
    json::value v = json::parse(read_file(json_file), ec);
    if (ec || !v.is_object()) return "";
    const auto* e = v.as_object().if_contains("extra_data");
    if (!e || !e->is_object()) return "";
    const auto* b = e->as_object().if_contains("raftlab_batch");
    if (!b || !b->is_object()) return "";
    const auto* f = b->as_object().if_contains("fingerprint");
    return f && f->is_string() ? std::string(f->as_string()) : "";
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

/// Applied between fork and exec: the grader gets its own process group, and dies
/// with the batch.
struct OwnGroup {
    const Limits* limits;
    const std::string* cgroup;
    pid_t parent = ::getpid();  // read in the batch, before the fork
    template <class Launcher>
    boost::system::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*&) {
        int err = platform::prepare_child(*limits, *cgroup, parent);
        return err ? boost::system::error_code(err, boost::system::system_category()) : boost::system::error_code{};
    }
};

/// Runs the per-student graders, `jobs` at a time, and stops them all on Ctrl-C.
class Scheduler {
public:
    Scheduler(const fs::path& root, const BatchOptions& opt, const fs::path& out_dir)
        : root_(root), opt_(opt), out_dir_(out_dir), signals_(ctx_, SIGINT, SIGTERM, SIGHUP),
          slot_busy_(opt.jobs, false) {}

    /// Grades `queue`; returns false when interrupted.
    bool run(std::deque<Student*> queue, const std::function<void(Student&, const std::string&)>& finished) {
        queue_ = std::move(queue);
        finished_ = finished;
        signals_.async_wait([this](boost::system::error_code ec, int) {
            if (!ec) interrupt();
        });
        fill();
        if (running_.empty()) signals_.cancel();
        ctx_.run();
        return !interrupted_;
    }

private:
    struct Running {
        Student* student;
        std::unique_ptr<bp::process> process;
        std::unique_ptr<asio::steady_timer> deadline;
        FILE* log = nullptr;
        int slot = 0;
        int pgid = 0;
        bool timed_out = false;
    };

    /// The grader is told to stop (SIGTERM: it kills its check and removes its
    /// temporary files); what is still there after a few seconds is killed.
    void stop(Running& r) {
        ::kill(r.pgid, SIGTERM);
        auto timer = std::make_shared<asio::steady_timer>(ctx_, std::chrono::seconds(5));
        int pgid = r.pgid;
        timer->async_wait([timer, pgid](boost::system::error_code ec) {
            if (!ec) platform::kill_group(pgid);
        });
        kill_timers_.push_back(timer);
    }

    void interrupt() {
        interrupted_ = true;
        queue_.clear();
        std::cerr << "\nraftlab: interrupted; stopping " << running_.size() << " grader(s)\n";
        for (auto& [pid, r] : running_) stop(*r);
    }

    void fill() {
        while (!interrupted_ && static_cast<int>(running_.size()) < opt_.jobs && !queue_.empty()) {
            Student* s = queue_.front();
            queue_.pop_front();
            int slot = static_cast<int>(std::find(slot_busy_.begin(), slot_busy_.end(), false) - slot_busy_.begin());
            try {
                start(*s, slot);
            } catch (const std::exception& e) {  // an unreadable file, a full disk ...
                slot_busy_[slot] = false;
                finished_(*s, std::string("the submission could not be prepared for grading: ") + e.what());
            }
        }
    }

    fs::path slot_dir(int slot) const { return root_ / "build/batch" / ("slot-" + std::to_string(slot + 1)); }

    /// Puts the student's files into the slot's source folder. Only files whose
    /// content differs are rewritten, so the slot's build folder recompiles just the
    /// student's code; the framework and the checks stay compiled from one student to
    /// the next. A slot left busy by an interrupted grader is rebuilt from scratch.
    fs::path prepare_slot(int slot, const Student& s) {
        fs::path dir = slot_dir(slot), source = dir / "student";
        sync_tree(s.impl, source);
        Impl impl = resolve_impl(root_, source.string());
        std::error_code ec;
        if (fs::exists(dir / "busy", ec)) fs::remove_all(impl.build_dir, ec);
        // A different set of files needs CMake to run again (a missing file makes a
        // lab fail to build with one line, decided when CMake runs).
        std::vector<std::string> names;
        for (const auto& e : fs::recursive_directory_iterator(source))
            names.push_back(fs::relative(e.path(), source).string());
        std::sort(names.begin(), names.end());
        std::string files;
        for (const auto& n : names) files += n + "\n";
        if (read_file(dir / "files") != files) fs::remove(impl.build_dir / "build.ninja", ec);
        std::ofstream(dir / "files") << files;
        std::ofstream(dir / "busy") << s.name << "\n";
        return source;
    }

    void start(Student& s, int slot) {
        auto r = std::make_unique<Running>();
        r->student = &s;
        r->slot = slot;
        slot_busy_[slot] = true;
        fs::path source = prepare_slot(slot, s);
        fs::path log_path = out_dir_ / (s.name + ".log");
        r->log = std::fopen(log_path.c_str(), "w");
        if (!r->log) throw ConfigError(log_path.string() + ": cannot be written; check the folder's permissions");
        std::fprintf(r->log, "raftlab batch: grading %s (%s)\n", s.name.c_str(), s.impl.c_str());
        std::fflush(r->log);
        std::vector<std::string> args{"grade"};
        for (const Lab* lab : opt_.labs) args.push_back(std::to_string(lab->number));
        args.insert(args.end(), {"--impl", source.string(), "--json", partial(s).string()});
        std::vector<bp::environment::key_value_pair> env;
        for (const auto& kv : bp::environment::current()) {
            std::string key = kv.key().string();
            if (key != "RAFTLAB_ROOT" && key != "CMAKE_BUILD_PARALLEL_LEVEL" && key != "RAFTLAB_BATCH_SLOT") env.emplace_back(kv);
        }
        env.emplace_back("RAFTLAB_ROOT", root_.string());
        env.emplace_back("RAFTLAB_BATCH_SLOT", std::to_string(slot));  // each slot's checks get a uid of their own
        // The machine's cores are shared by `jobs` builds.
        unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        env.emplace_back("CMAKE_BUILD_PARALLEL_LEVEL", std::to_string(std::max(1u, cores / opt_.jobs)));
        Limits no_limits;
        no_limits.resource_limits = false;  // the grader limits each check itself
        std::string no_cgroup;
        OwnGroup setup{&no_limits, &no_cgroup};
        r->process = std::make_unique<bp::process>(ctx_, opt_.grader.string(), args,
                                                   bp::process_stdio{nullptr, r->log, r->log},
                                                   bp::process_environment(env), bp::process_start_dir(root_.string()),
                                                   setup);
        r->pgid = r->process->id();
        int total_s = 30 * 60;
        for (const Lab* lab : opt_.labs)
            for (const auto& c : lab->checks) total_s += c.timeout_s;
        r->deadline = std::make_unique<asio::steady_timer>(ctx_, std::chrono::seconds(total_s));
        Running* raw = r.get();
        r->deadline->async_wait([this, raw](boost::system::error_code ec) {
            if (ec) return;
            raw->timed_out = true;
            stop(*raw);
        });
        int pid = r->pgid;
        r->process->async_wait([this, pid](boost::system::error_code, int) { done(pid); });
        running_[pid] = std::move(r);
    }

    fs::path partial(const Student& s) const { return out_dir_ / (s.name + ".json.partial"); }

    void done(int pid) {
        std::unique_ptr<Running> r = std::move(running_[pid]);
        running_.erase(pid);
        r->deadline->cancel();
        platform::kill_group(r->pgid);  // nothing the grader started outlives it
        int native = r->process->native_exit_code();
        std::string problem;
        if (r->timed_out) problem = "grading took longer than the sum of the checks' time limits plus 30 minutes";
        else if (WIFSIGNALED(native)) problem = "the grader was ended by " + describe_signal(WTERMSIG(native));
        else if (WEXITSTATUS(native) > 1) problem = "the grader stopped with exit code " + std::to_string(WEXITSTATUS(native));
        std::fprintf(r->log, "\nraftlab batch: %s\n", problem.empty() ? "graded" : problem.c_str());
        slot_busy_[r->slot] = false;
        std::error_code ec;
        // A grader that ended normally left a consistent build folder.
        if (!interrupted_ && !r->timed_out && WIFEXITED(native)) fs::remove(slot_dir(r->slot) / "busy", ec);
        std::fclose(r->log);
        Student& s = *r->student;
        if (interrupted_) {
            fs::remove(partial(s), ec);
        } else {
            if (problem.empty() && !fs::exists(partial(s), ec)) problem = "the grader wrote no results";
            if (!problem.empty()) {
                std::string last = last_log_line(out_dir_ / (s.name + ".log"));
                if (!last.empty()) problem += ": " + last;
            }
            finished_(s, problem);
            fs::remove(partial(s), ec);
        }
        fill();
        if (running_.empty()) {
            signals_.cancel();
            for (auto& t : kill_timers_) t->cancel();
        }
    }

    static std::string last_log_line(const fs::path& log) {
        std::istringstream in(read_file(log));
        std::string line, last;
        while (std::getline(in, line))
            if (line.find_first_not_of(" \t") != std::string::npos && line.rfind("raftlab batch:", 0) != 0)
                last = line;
        return last;
    }

    fs::path root_;
    const BatchOptions& opt_;
    fs::path out_dir_;
    asio::io_context ctx_;
    asio::signal_set signals_;
    std::deque<Student*> queue_;
    std::map<int, std::unique_ptr<Running>> running_;
    std::vector<std::shared_ptr<asio::steady_timer>> kill_timers_;
    std::function<void(Student&, const std::string&)> finished_;
    bool interrupted_ = false;
    std::vector<bool> slot_busy_;
};

std::string gradebook_header(const std::vector<const Lab*>& labs) {
    std::string csv = "student";
    for (const Lab* lab : labs) csv += ",lab" + lab->padded_number();
    return csv + ",total,status\n";
}

/// The gradebook: a header, then one row per student in the order given.
std::string gradebook_csv(const std::vector<Student>& students, const std::map<std::string, Outcome>& outcomes,
                          const std::vector<const Lab*>& labs) {
    std::string csv = gradebook_header(labs);
    for (const auto& s : students) {
        const Outcome& o = outcomes.at(s.name);
        csv += csv_field(s.name);
        for (const Lab* lab : labs)
            csv += "," + std::to_string(o.lab_scores.count(lab->number) ? o.lab_scores.at(lab->number) : 0);
        csv += "," + std::to_string(o.total) + "," +
               csv_field(o.problem.empty() ? "graded" : "not graded: " + o.problem) + "\n";
    }
    return csv;
}

/// Outcome words at the start of a Gradescope test's output (see status_word()).
std::string outcome_of(const json::object& test) {
    if (test.at("status").as_string() == "passed") return "passed";
    std::string output(test.at("output").as_string());
    for (const char* w : {"timed out", "crashed", "did not compile", "not graded", "not yet gradable"})
        if (output.rfind(w, 0) == 0) return w;
    return "failed";
}

std::string summary(const std::vector<Student>& students, const std::map<std::string, Outcome>& outcomes,
                    const BatchOptions& opt, int graded_now, double seconds, int merged_shards = 0) {
    int max_points = 0;
    for (const Lab* lab : opt.labs) max_points += lab->max_points();
    std::vector<int> totals;
    for (const auto& s : students) totals.push_back(outcomes.at(s.name).total);
    std::sort(totals.begin(), totals.end());
    double mean = 0;
    for (int t : totals) mean += t;
    mean /= std::max<std::size_t>(1, totals.size());
    std::string labs;
    for (const Lab* lab : opt.labs) labs += (labs.empty() ? "" : ", ") + std::to_string(lab->number);

    std::string md = fmt::format("# raftlab batch grade\n\nSubmissions: {} ({} students), labs {}, {} points.\n",
                                 opt.submissions.string(), students.size(), labs, max_points);
    std::size_t resumed = std::count_if(students.begin(), students.end(), [](const auto& s) { return s.resumed; });
    if (merged_shards > 0)
        md += fmt::format("Merged from the gradebooks of {} shards; each shard's own summary.md says how it ran.\n",
                          merged_shards);
    else
        md += fmt::format("Graded in this run: {} in {:.0f} s with {} jobs ({:.1f} submissions per minute); "
                          "taken from earlier runs: {}.\n",
                          graded_now, seconds, opt.jobs, seconds > 0 ? graded_now * 60.0 / seconds : 0.0, resumed);
    md += "\n## Totals\n\n| lowest | median | mean | highest | full marks |\n|---|---|---|---|---|\n";
    int full = static_cast<int>(std::count(totals.begin(), totals.end(), max_points));
    md += fmt::format("| {} | {} | {:.1f} | {} | {} of {} |\n", totals.empty() ? 0 : totals.front(),
                      totals.empty() ? 0 : totals[totals.size() / 2], mean, totals.empty() ? 0 : totals.back(), full,
                      totals.size());

    // check number -> outcome -> count
    struct CheckRow {
        std::string name, visibility;
        int points = 0;
        std::map<std::string, int> outcomes;
    };
    std::map<std::pair<int, int>, CheckRow> rows;  // ordered by lab, then check
    for (const auto& s : students)
        for (const auto& t : outcomes.at(s.name).tests) {
            const json::object& o = t.as_object();
            std::string number(o.at("number").as_string());
            auto dot = number.find('.');
            auto key = std::make_pair(std::stoi(number), std::stoi(number.substr(dot + 1)));
            CheckRow& row = rows[key];
            row.name = std::string(o.at("name").as_string());
            if (auto colon = row.name.find(": "); row.name.rfind("Lab ", 0) == 0 && colon != std::string::npos)
                row.name = row.name.substr(colon + 2);  // "Lab 4: " repeats the number
            row.visibility = std::string(o.at("visibility").as_string());
            row.points = json::value_to<int>(o.at("max_score"));
            row.outcomes[outcome_of(o)]++;
        }
    md += "\n## Each check\n\n| check | points | passed | failed | timed out | crashed | did not compile | "
          "not graded |\n|---|---|---|---|---|---|---|---|\n";
    std::string nobody;
    for (auto& [key, row] : rows) {
        auto n = [&](const char* w) { return row.outcomes[w]; };
        std::string label = fmt::format("{}.{} {}{}", key.first, key.second, row.name,
                                        row.visibility == "hidden" ? " (hidden)" : "");
        md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", label, row.points, n("passed"), n("failed"),
                          n("timed out"), n("crashed"), n("did not compile"), n("not graded"));
        if (n("passed") == 0) nobody += "- " + label + "\n";
    }
    md += "\n## Checks nobody passed\n\n" + (nobody.empty() ? std::string("None.\n") : nobody);
    std::string ungraded;
    for (const auto& s : students)
        if (!outcomes.at(s.name).problem.empty()) ungraded += "- " + s.name + ": " + outcomes.at(s.name).problem + "\n";
    md += "\n## Submissions that could not be graded\n\n" + (ungraded.empty() ? std::string("None.\n") : ungraded);
    md += "\nTo grade a student again, delete their .json and rerun the same command.\n";
    return md;
}

}  // namespace

int run_batch(const fs::path& root, const BatchOptions& opt) {
    std::error_code ec;
    if (opt.jobs < 1)
        throw ConfigError("--jobs " + std::to_string(opt.jobs) + ": must be at least 1 (submissions graded at once)");
    if (!fs::is_directory(opt.submissions, ec))
        throw ConfigError("--submissions " + opt.submissions.string() +
                          ": no such folder; give the folder that holds one folder per student");
    if (opt.gradebook.extension() != ".csv")
        throw ConfigError("--out " + opt.gradebook.string() + ": must name a .csv file, e.g. --out gradebook.csv");
    fs::path gradebook = fs::absolute(opt.gradebook);
    fs::path out_dir = gradebook.parent_path() / gradebook.stem();
    fs::create_directories(out_dir, ec);
    if (ec || access(out_dir.c_str(), W_OK) != 0)
        throw ConfigError("--out " + opt.gradebook.string() + ": cannot write the folder " + out_dir.string() +
                          " next to it; choose a writable place");
    std::vector<std::string> wanted = starter_folders(root);

    std::vector<Student> students;
    for (const auto& e : fs::directory_iterator(opt.submissions)) {
        std::string name = e.path().filename().string();
        if (!e.is_directory() || name[0] == '.' || fs::equivalent(e.path(), out_dir, ec)) continue;
        students.push_back({name, fs::canonical(e.path()), find_impl(e.path(), wanted), "", false});
    }
    if (students.empty())
        throw ConfigError("--submissions " + opt.submissions.string() +
                          ": has no student folders; put each submission in a folder named after the student");
    std::sort(students.begin(), students.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    if (opt.shards > 1) {
        const std::size_t all = students.size();
        std::erase_if(students, [&](const Student& s) { return shard_of(s.name, opt.shards) != opt.shard; });
        std::cout << fmt::format("raftlab: shard {}/{}: {} of the {} submissions\n", opt.shard, opt.shards,
                                 students.size(), all);
        if (students.empty()) {  // a small class may leave a shard empty: an empty gradebook
            write_atomically(gradebook, gradebook_header(opt.labs));
            write_atomically(out_dir / "summary.md", "# raftlab batch grade\n\nThis shard has no submissions.\n");
            return 0;
        }
    }

    std::string folders;
    for (const auto& w : wanted) folders += (folders.empty() ? "" : ", ") + w + "/";
    std::deque<Student*> queue;
    auto record = [&](Student& s, const std::string& problem) {
        fs::path partial = out_dir / (s.name + ".json.partial");
        std::string results = problem.empty() ? read_file(partial) : zero_results(opt.labs, problem);
        write_atomically(out_dir / (s.name + ".json"), with_batch_data(results, s, problem));
    };
    for (auto& s : students) {
        if (!s.impl.empty()) s.impl = fs::canonical(s.impl);
        s.fingerprint = fingerprint(s, opt.labs);
        fs::path done = out_dir / (s.name + ".json");
        if (fs::exists(done, ec) && recorded_fingerprint(done) == s.fingerprint) {
            s.resumed = true;
        } else if (s.impl.empty()) {
            record(s, "no starter files: the folder has neither starter/ nor the folders of starter/ (" + folders + ")");
            std::ofstream(out_dir / (s.name + ".log")) << "raftlab batch: " << s.name << ": no starter files in "
                                                       << s.folder.string() << "\n";
        } else {
            queue.push_back(&s);
        }
    }
    std::size_t resumed = std::count_if(students.begin(), students.end(), [](const auto& s) { return s.resumed; });
    std::cout << fmt::format("raftlab: {} submissions, {} already graded, grading {} with {} jobs; results in {}\n",
                             students.size(), resumed, queue.size(), opt.jobs, out_dir.string())
              << std::flush;

    auto start = std::chrono::steady_clock::now();
    int graded_now = 0;
    std::size_t total = queue.size();
    Scheduler scheduler(root, opt, out_dir);
    bool complete = scheduler.run(queue, [&](Student& s, const std::string& problem) {
        record(s, problem);
        ++graded_now;
        Outcome o = read_outcome(out_dir / (s.name + ".json"));
        std::cout << fmt::format("[{}/{}] {:<24} {:>4}{}\n", graded_now, total, s.name, o.total,
                                 problem.empty() ? "" : "  not graded: " + problem)
                  << std::flush;
    });
    platform::kill_descendants();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!complete) {
        std::cout << fmt::format("raftlab: interrupted after grading {} of {}; rerun the same command to grade the "
                                 "other {}\n",
                                 graded_now, total, total - graded_now);
        return 130;
    }

    std::map<std::string, Outcome> outcomes;
    for (const auto& s : students) outcomes[s.name] = read_outcome(out_dir / (s.name + ".json"));
    bool all_graded = true;
    for (const auto& s : students) all_graded &= outcomes[s.name].problem.empty();
    write_atomically(gradebook, gradebook_csv(students, outcomes, opt.labs));
    std::string md = summary(students, outcomes, opt, graded_now, seconds);
    write_atomically(out_dir / "summary.md", md);
    std::cout << fmt::format("raftlab: gradebook {}, summary {}\n", gradebook.string(), (out_dir / "summary.md").string());
    std::cout << fmt::format("raftlab: graded {} in {:.0f} s ({:.1f} per minute)\n", graded_now, seconds,
                             seconds > 0 ? graded_now * 60.0 / seconds : 0.0);
    return all_graded ? 0 : 1;
}

int shard_of(const std::string& student, int shards) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a of the name alone
    for (unsigned char c : student) h = (h ^ c) * 1099511628211ull;
    return static_cast<int>(h % static_cast<std::uint64_t>(std::max(shards, 1))) + 1;
}

int merge_gradebooks(const fs::path& root, const std::vector<fs::path>& inputs, const fs::path& out) {
    if (inputs.empty()) throw ConfigError("gradebook merge: give the shards' gradebooks, e.g. shard-1.csv shard-2.csv");
    if (out.extension() != ".csv")
        throw ConfigError("--out " + out.string() + ": must name a .csv file, e.g. --out gradebook.csv");
    std::vector<Lab> catalog = load_catalog(root);
    std::string header;
    std::vector<const Lab*> labs;
    std::vector<Student> students;
    std::map<std::string, Outcome> outcomes;
    std::map<std::string, fs::path> from;  // student -> the shard's folder
    std::error_code ec;
    for (const fs::path& csv : inputs) {
        if (!fs::is_regular_file(csv, ec))
            throw ConfigError(csv.string() + ": no such gradebook; give the .csv each shard wrote with --out");
        const fs::path folder = csv.parent_path() / csv.stem();
        std::istringstream in(read_file(csv));
        std::string first;
        if (!std::getline(in, first) || first.rfind("student,", 0) != 0 || first.find(",total,status") == std::string::npos)
            throw ConfigError(csv.string() + ":1: not a raftlab gradebook (it must start with student,...,total,status)");
        if (header.empty()) {
            header = first;
            std::istringstream cols(first.substr(8));
            for (std::string col; std::getline(cols, col, ',');) {
                if (col == "total") break;
                const Lab* found = nullptr;
                for (const auto& lab : catalog)
                    if ("lab" + lab.padded_number() == col) found = &lab;
                if (!found) throw ConfigError(csv.string() + ":1: column " + col + " names no lab of this repository");
                labs.push_back(found);
            }
        } else if (first != header) {
            throw ConfigError(csv.string() + ":1: graded other labs than " + inputs.front().string() + " (" + first +
                              " against " + header + "); merge shards of one grading run");
        }
        int line = 1;
        for (std::string row; std::getline(in, row);) {
            ++line;
            if (row.empty()) continue;
            std::string name = row.front() == '"' ? row.substr(1, row.find('"', 1) - 1) : row.substr(0, row.find(','));
            if (from.count(name))
                throw ConfigError(csv.string() + ":" + std::to_string(line) + ": student " + name + " is also in " +
                                  from[name].string() + "; each student belongs to one shard");
            const fs::path json_file = folder / (name + ".json");
            if (!fs::is_regular_file(json_file, ec))
                throw ConfigError(json_file.string() + ": missing; the shard's folder must stay beside its gradebook");
            from[name] = folder;
            outcomes[name] = read_outcome(json_file);
            students.push_back({name, folder, {}, "", false});
        }
    }
    std::sort(students.begin(), students.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    const fs::path gradebook = fs::absolute(out);
    const fs::path out_dir = gradebook.parent_path() / gradebook.stem();
    fs::create_directories(out_dir, ec);
    if (ec || access(out_dir.c_str(), W_OK) != 0)
        throw ConfigError("--out " + out.string() + ": cannot write the folder " + out_dir.string() + " next to it");
    for (const auto& s : students)
        for (const char* ext : {".json", ".log"}) {
            const fs::path src = from[s.name] / (s.name + ext);
            if (fs::exists(src, ec) && !fs::equivalent(src.parent_path(), out_dir, ec))
                fs::copy_file(src, out_dir / (s.name + ext), fs::copy_options::overwrite_existing);
        }
    write_atomically(gradebook, gradebook_csv(students, outcomes, labs));
    BatchOptions merged;
    merged.submissions = inputs.front().parent_path();
    merged.labs = labs;
    write_atomically(out_dir / "summary.md",
                     summary(students, outcomes, merged, 0, 0, static_cast<int>(inputs.size())));
    bool all_graded = true;
    for (const auto& s : students) all_graded &= outcomes[s.name].problem.empty();
    std::cout << fmt::format("raftlab: merged {} gradebooks ({} students) into {}\n", inputs.size(), students.size(),
                             gradebook.string());
    return all_graded ? 0 : 1;
}

}  // namespace raftlab::grader
