#include "grade.h"

#include <boost/json.hpp>

#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>

#include "child.h"
#include "platform.h"
#include "submission.h"
#include "tempdir.h"

namespace raftlab::grader {
namespace fs = std::filesystem;
namespace json = boost::json;

const char* status_word(Status s) {
    switch (s) {
        case Status::passed: return "passed";
        case Status::failed: return "failed";
        case Status::timed_out: return "timed out";
        case Status::crashed: return "crashed";
        case Status::not_compiled: return "did not compile";
        case Status::not_gradable: return "not yet gradable";
    }
    return "?";
}

int LabResult::score() const {
    int s = 0;
    for (const auto& c : checks) s += c.score;
    return s;
}
int LabResult::max_points() const { return lab->max_points(); }

std::vector<StageTotal> LabResult::stage_totals() const {
    std::vector<StageTotal> totals;
    for (const Stage& stage : lab->stages) {
        StageTotal t{&stage, 0, lab->max_points(stage)};
        for (const auto& c : checks) t.score += c.check->stage == stage.id ? c.score : 0;
        totals.push_back(t);
    }
    return totals;
}

int GradeReport::score() const {
    int s = 0;
    for (const auto& l : labs) s += l.score();
    return s;
}
int GradeReport::max_points() const {
    int s = 0;
    for (const auto& l : labs) s += l.max_points();
    return s;
}
bool GradeReport::all_passed() const {
    for (const auto& l : labs) {
        if (!l.lab->gradable) return false;
        for (const auto& c : l.checks)
            if (c.status != Status::passed) return false;
    }
    return true;
}

std::vector<std::string> GradeReport::setup_errors() const {
    std::vector<std::string> out;
    for (const auto& l : labs)
        for (const auto& c : l.checks)
            if (c.setup_error)
                out.push_back((l.lab->yaml.parent_path().filename() / "lab.yaml").string() + ": check " + c.check->id +
                              " names test " + c.check->test + ", which " + l.lab->target() +
                              " does not define; fix its test: field (the check scored 0 for everyone)");
    return out;
}

namespace {

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t b = 0;
    while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    return s.substr(b);
}

/// From GoogleTest's JSON report: the number of tests that ran and the first
/// failure's message (empty when none).
struct GtestSummary {
    bool read = false;
    int tests = 0;
    std::string first_failure;
};

GtestSummary read_gtest_json(const std::string& text) {
    GtestSummary s;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return s;
    s.read = true;
    const json::object& top = v.as_object();
    if (auto* t = top.if_contains("tests"); t && t->is_int64()) s.tests = static_cast<int>(t->as_int64());
    if (auto* suites = top.if_contains("testsuites"); suites && suites->is_array())
        for (const auto& suite : suites->as_array())
            if (auto* cases = suite.as_object().if_contains("testsuite"); cases && cases->is_array())
                for (const auto& tc : cases->as_array())
                    if (auto* f = tc.as_object().if_contains("failures"); f && f->is_array())
                        for (const auto& fail : f->as_array())
                            if (s.first_failure.empty())
                                if (auto* m = fail.as_object().if_contains("failure"); m && m->is_string())
                                    s.first_failure = std::string(m->as_string());
    return s;
}

/// "c-" and 16 random hex digits.
std::string opaque_name() {
    static std::random_device device;
    static std::mt19937_64 rng(device());
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    char buf[24];
    std::snprintf(buf, sizeof buf, "c-%016llx", static_cast<unsigned long long>(rng()));
    return buf;
}

/// An anonymous file for one check's result (see run_check).
class ResultFile {
public:
    explicit ResultFile(const fs::path& dir) {
#ifdef O_TMPFILE
        fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
        if (fd_ < 0) {  // no O_TMPFILE (macOS, some filesystems): create, then unlink
            std::string name = (dir / "result-XXXXXX").string();
            fd_ = ::mkostemp(name.data(), O_CLOEXEC);
            if (fd_ >= 0) ::unlink(name.c_str());
        }
        if (fd_ < 0) throw std::runtime_error("cannot create a result file in " + dir.string());
    }
    ~ResultFile() { ::close(fd_); }
    ResultFile(const ResultFile&) = delete;
    ResultFile& operator=(const ResultFile&) = delete;
    int fd() const { return fd_; }
    /// What the check wrote (at most 16 MiB).
    std::string read() const {
        std::string out;
        char buf[65536];
        for (off_t at = 0; out.size() < (16u << 20);) {
            ssize_t n = ::pread(fd_, buf, sizeof buf, at);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
            at += n;
        }
        return out;
    }

private:
    int fd_ = -1;
};


bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

/// A value as GoogleTest printed it, or the expression itself when it printed none
/// (a literal: "5u" is shown as 5).
std::string shown(const std::string& expr, const std::string& value) {
    if (!value.empty()) return value;
    static const std::regex unsigned_literal("^([0-9]+)[uUlL]+$");
    return std::regex_replace(expr, unsigned_literal, "$1");
}

/// GoogleTest's own words for a failed assertion, put into words: the whole sentence
/// (what was found and what the check wanted) and the part that says what was found.
/// Both empty when the lines are not one of its formats.
struct Described {
    std::string sentence, found;
};

Described describe_gtest(const std::vector<std::string>& lines) {
    if (lines.empty()) return {};
    std::smatch m;
    const std::string& first = lines[0];
    if (first == "Expected equality of these values:") {
        // "  A" ["    Which is: a"] "  B" ["    Which is: b"]
        std::vector<std::pair<std::string, std::string>> sides;
        for (std::size_t k = 1; k < lines.size(); ++k) {
            std::string t = trim(lines[k]);
            if (starts_with(t, "Which is: ") && !sides.empty()) sides.back().second = t.substr(10);
            else if (!t.empty()) sides.push_back({t, ""});
        }
        if (sides.size() != 2) return {};
        auto [a, av] = sides[0];
        auto [b, bv] = sides[1];
        // The side that is a literal is the value the check wanted.
        static const std::regex literal(
            "^\\(?(-?[0-9.]+[uUlLfF]*|\".*\"|'.*'|true|false|nullptr|[A-Za-z_:<>0-9 ]*\\{.*\\})\\)?$");
        bool a_literal = av.empty() || std::regex_match(a, literal);
        bool b_literal = bv.empty() || std::regex_match(b, literal);
        if (a_literal && !b_literal) std::swap(a, b), std::swap(av, bv), std::swap(a_literal, b_literal);
        std::string found = a + " is " + shown(a, av);
        if (b_literal) return {found + ", but the check expected " + shown(b, bv), found};
        found += " and " + b + " is " + bv;
        return {found + ", but the check expected them to be equal", found};
    }
    static const std::regex throws("^Expected: ([\\s\\S]*) throws an exception of type (.*)\\.$");
    static const std::regex no_throw("^Expected: ([\\s\\S]*) doesn't throw an exception\\.$");
    static const std::regex compare("^Expected: \\((.*)\\) (==|!=|<|<=|>|>=) \\((.*)\\), actual: (.*) vs (.*)$");
    static const std::regex value_of("^Value of: (.*)$");
    std::string actual;
    for (const auto& l : lines)
        if (starts_with(trim(l), "Actual: ")) actual = trim(l).substr(8);
    if (std::regex_match(first, m, throws)) {
        std::string what = actual == "it throws nothing." ? "it threw nothing"
                           : actual == "it throws a different type." ? "it threw an exception of another type"
                                                                     : "it did not";
        return {m.str(1) + " must throw " + m.str(2) + ", but " + what, what};
    }
    if (std::regex_match(first, m, no_throw)) {
        if (!actual.empty() && actual.back() == '.') actual.pop_back();
        std::string what = actual.empty() ? "it did" : actual;
        return {m.str(1) + " must not throw, but " + what, what};
    }
    if (std::regex_match(first, m, compare)) {
        std::string found = m.str(1) + " is " + m.str(4) + " and " + m.str(3) + " is " + m.str(5);
        return {m.str(1) + " " + m.str(2) + " " + m.str(3) + " does not hold: " + found, found};
    }
    if (std::regex_match(first, m, value_of)) {
        std::string expected;
        for (const auto& l : lines)
            if (starts_with(trim(l), "Expected: ")) expected = trim(l).substr(10);
        if (!actual.empty() && !expected.empty())
            return {m.str(1) + " is " + actual + ", but the check expected " + expected, m.str(1) + " is " + actual};
    }
    return {};
}

/// Whether a line is part of GoogleTest's description of an assertion.
bool gtest_line(const std::string& line, bool& in_equality) {
    std::string t = trim(line);
    if (t == "Expected equality of these values:") return in_equality = true;
    if (in_equality && starts_with(line, "  ")) return true;
    in_equality = false;
    return starts_with(t, "Which is: ") || starts_with(t, "Actual: ") || starts_with(t, "Expected: ") ||
           starts_with(t, "Value of: ") || t == "Failed";
}

/// Whether a line is where GoogleTest says an assertion failed: "file:12: Failure" in
/// its output, and, with `bare`, "file:12" as its JUnit file writes it.
bool gtest_location(const std::string& line, bool bare) {
    static const std::regex with_failure("^\\S+:[0-9]+: Failure$");
    static const std::regex bare_location("^\\S+:[0-9]+$");
    return std::regex_match(line, with_failure) || (bare && std::regex_match(line, bare_location));
}

}  // namespace

/// The sentence a student reads: the check's own message (the last line it wrote
/// after GoogleTest's description of the assertion), GoogleTest's description of an
/// exception, or, where the check wrote nothing, GoogleTest's description turned into
/// a sentence. GoogleTest's own phrases ("Which is:", "Actual:", "Expected equality")
/// never reach the student.
std::string reason_from_failure(const std::string& failure) {
    static const std::regex exception_re("C\\+\\+ exception with description \"([\\s\\S]*)\" thrown");
    std::smatch m;
    if (std::regex_search(failure, m, exception_re)) {
        std::string what = m[1];
        if (what.rfind("not implemented: ", 0) == 0) return what + " (still a starter stub)";
        return "threw an exception: " + what;
    }
    std::istringstream in(failure);
    std::string line, last;
    std::vector<std::string> described;  // GoogleTest's own lines
    bool in_equality = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (gtest_location(line, true)) continue;
        if (gtest_line(line, in_equality)) {
            described.push_back(line);
        } else if (!trim(line).empty()) {
            last = trim(line);
        }
    }
    Described d = describe_gtest(described);
    if (last.empty()) {
        last = d.sentence;
    } else if (!d.found.empty() && last.find(d.found) == std::string::npos) {
        // The check's sentence, with what GoogleTest saw: "... must end at index 5
        // (log.last_index() is 3)."
        bool stop = last.back() == '.';
        if (stop) last.pop_back();
        last += " (" + d.found + ")" + (stop ? "." : "");
    }
    // The replay command is printed on a line of its own; drop it from the sentence.
    static const std::regex replay_tail("[.;,]?\\s*\\(?[Rr]eplay( with)?:?\\s*\\./raftlab replay .*$");
    last = std::regex_replace(last, replay_tail, "");
    return last.empty() ? "the check failed" : last;
}

std::string without_gtest_residue(const std::string& output) {
    std::istringstream in(output);
    std::string line, out;
    bool in_equality = false;
    while (std::getline(in, line))
        if (!gtest_line(line, in_equality) && !gtest_location(line, false)) out += line + "\n";
    return out;
}

std::string clean_text(const std::string& raw) {
    std::string out;
    out.reserve(raw.size());
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
    const std::size_t n = raw.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            if (c >= 0x20 ? c != 0x7f : (c == '\n' || c == '\t')) out += static_cast<char>(c);
            ++i;
            continue;
        }
        // A multi-byte sequence: its length, its smallest value (no overlong forms),
        // and no surrogates or values past U+10FFFF.
        const int len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? (c <= 0xef ? 3 : 0) : c >= 0xc2 ? 2 : 0;
        std::uint32_t cp = len == 4 ? c & 0x07u : len == 3 ? c & 0x0fu : c & 0x1fu;
        bool ok = len > 0 && i + static_cast<std::size_t>(len) <= n;
        for (int k = 1; ok && k < len; ++k) {
            ok = (p[i + k] & 0xc0) == 0x80;
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        ok = ok && !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
             !(cp >= 0xd800 && cp <= 0xdfff);
        if (!ok) {
            out += "\xEF\xBF\xBD";  // U+FFFD for the one bad byte; resynchronise after it
            ++i;
            continue;
        }
        if (!(cp >= 0x80 && cp <= 0x9f)) out.append(raw, i, static_cast<std::size_t>(len));  // C1 controls dropped
        i += static_cast<std::size_t>(len);
    }
    return out;
}

std::string replay_for(const Lab& lab, const Check& check, const std::string& failure) {
    static const std::regex seed_re("\\./raftlab replay \\S+ \\S+ --seed ([0-9]{1,19})\\b");
    std::string seed;
    for (auto it = std::sregex_iterator(failure.begin(), failure.end(), seed_re); it != std::sregex_iterator(); ++it)
        seed = (*it)[1];  // the last one: the judge ends its message with it
    return seed.empty() ? "" : "./raftlab replay " + std::to_string(lab.number) + " " + check.id + " --seed " + seed;
}

bool has_gtest_residue(const std::string& text) {
    for (const char* phrase : {"Which is:", "Actual:", "Expected equality", "Value of:", "Expected: "})
        if (text.find(phrase) != std::string::npos) return true;
    return false;
}

namespace {


std::string last_lines(const std::string& text, int n) {
    std::size_t at = text.size();
    for (int i = 0; i <= n && at != std::string::npos && at > 0; ++i) at = text.rfind('\n', at - 1);
    return trim(at == std::string::npos ? text : text.substr(at + 1));
}

void classify(CheckResult& r, const ChildResult& child, const GtestSummary& gtest, int timeout_s) {
    if (!child.started) {
        r.status = Status::crashed;
        r.reason = "the check could not start: " + trim(child.output);
    } else if (child.timed_out) {
        r.status = Status::timed_out;
        r.reason = "did not finish within " + std::to_string(timeout_s) +
                   " s: look for an infinite loop, a deadlock or a wait that never ends";
    } else if (child.output_flood) {
        r.status = Status::failed;
        r.reason = "printed more than the output limit allows; remove debug output from hot paths";
    } else if (child.signal) {
        r.status = Status::crashed;
        r.reason = "crashed with " + describe_signal(*child.signal);
        if (*child.signal == SIGXCPU) r.reason += ": it used up its CPU time limit";
        if (*child.signal == SIGXFSZ) r.reason += ": it wrote a file larger than allowed";
    } else if (child.exit_code == 0 && gtest.read && gtest.tests == 0) {
        r.status = Status::failed;
        r.reason = "lab.yaml names test " + r.check->test + ", which " + r.lab->target() +
                   " does not contain (fix the test field)";
        r.setup_error = true;
    } else if (child.exit_code == 0 && gtest.read) {
        r.status = Status::passed;
    } else if (!gtest.first_failure.empty()) {
        // Student code runs in host processes; the check (the judge) reports a host
        // that died of a signal as "its process crashed with SIG...": a crash.
        r.status = gtest.first_failure.find("its process crashed with SIG") != std::string::npos ? Status::crashed
                                                                                            : Status::failed;
        r.reason = reason_from_failure(gtest.first_failure);
    } else {
        r.status = child.exit_code == 0 ? Status::failed : Status::crashed;
        r.reason = "ended with exit code " + std::to_string(child.exit_code.value_or(-1)) +
                   " before reporting a result; last output: " + last_lines(child.output, 2);
    }
    r.score = r.status == Status::passed ? r.check->points : 0;
}

/// How much longer a check may take when student code runs in host processes.
constexpr int kIsolatedTimeFactor = 8;
/// The size of a check's own folder where it is a tmpfs (root with namespaces): its
/// artifacts and whatever else the judge and a lab 10 server write outside TMPDIR.
constexpr unsigned long kCheckFolderMegabytes = 256;

/// RAFTLAB_MAX_TIMEOUT caps every check's time limit (seconds): the framework's own
/// tests use it to grade hostile code quickly.
int max_timeout_s() {
    const char* v = std::getenv("RAFTLAB_MAX_TIMEOUT");
    int n = v ? std::atoi(v) : 0;
    return n > 0 ? n : 1 << 30;
}

}  // namespace

/// Copies what a check left in `from` to `to`: regular files only (no links, devices or
/// pipes: a link to solutions/ would otherwise be followed out here, beyond the
/// sandbox), at most 64 MiB in all. True when anything was copied.
bool copy_artifacts(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    std::uintmax_t budget = 64u << 20;
    bool any = false;
    for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        const fs::file_status st = it->symlink_status(ec);
        if (ec || !fs::is_regular_file(st)) continue;
        const std::uintmax_t size = it->file_size(ec);
        if (ec || size > budget) continue;
        const fs::path target = to / fs::relative(it->path(), from, ec);
        if (ec) continue;
        fs::create_directories(target.parent_path(), ec);
        if (!ec && fs::copy_file(it->path(), target, fs::copy_options::overwrite_existing, ec) && !ec) {
            budget -= size;
            any = true;
        }
    }
    return any;
}

/// Root without namespaces (see platform.h): the check runs as sandbox_uid(), which
/// owns its directory and result file and nothing else; solutions/ (when hidden) is
/// made readable by root only. Says once which isolation is in force.
/// The first folder on the way to `file` that `uid` (with no groups) may not enter;
/// "" when there is none.
std::string closed_folder(const fs::path& file, int uid) {
    for (fs::path dir = file.parent_path(); !dir.empty(); dir = dir.parent_path()) {
        struct stat st {};
        if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0 && st.st_uid != static_cast<uid_t>(uid))
            return dir.string();
        if (dir == dir.root_path()) break;
    }
    return "";
}

void run_as_sandbox_uid(Limits& limits, const fs::path& dir, int result_fd, const fs::path& program) {
    const int uid = platform::sandbox_uid();
    if (std::string closed = closed_folder(program, uid); !closed.empty())
        throw ConfigError("this machine does not let root create namespaces, so each check runs as uid " +
                          std::to_string(uid) + ", which cannot enter " + closed +
                          " (no search permission for others); make it enterable (chmod o+x " + closed +
                          ") or grade from a folder others can enter");
    limits.run_as_uid = uid;
    static std::once_flag said;
    std::call_once(said, [&] {
        std::cerr << "raftlab: this machine does not let root create namespaces (no CAP_SYS_ADMIN, as in a "
                     "default container): each check runs as uid "
                  << uid << " instead, with solutions/ and the hidden checks' sources readable by root only (/tmp "
                     "stays shared)\n";
    });
    for (const auto& hidden : limits.hidden_dirs) ::chmod(hidden.c_str(), 0700);
    std::error_code ec;
    (void)!::chown(dir.c_str(), uid, uid);
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        (void)!::lchown(e.path().c_str(), uid, uid);
    (void)!::fchown(result_fd, uid, uid);
}

/// labs/*/hidden of the repository, the folders of the hidden checks' sources.
std::vector<fs::path> hidden_check_dirs(const fs::path& root) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (const auto& lab : fs::directory_iterator(root / "labs", ec))
        if (fs::is_directory(lab.path() / "hidden", ec)) dirs.push_back(lab.path() / "hidden");
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

std::map<std::string, std::string> check_environment(const fs::path& root, const Lab& lab, const Check& check) {
    return {{"RAFTLAB_LAB", lab.padded_number()}, {"RAFTLAB_CHECK", check.id}, {"RAFTLAB_ROOT", root.string()}};
}

CheckResult run_check(const fs::path& root, const Impl& impl, const Lab& lab, std::size_t index,
                      const fs::path& workdir) {
    const Check& check = lab.checks[index];
    CheckResult r;
    r.lab = &lab;
    r.check = &check;
    r.number = std::to_string(lab.number) + "." + std::to_string(index + 1);
    // The check's folder has a name that says nothing of the check, and goes away once
    // the check is over, so nothing running inside one check can tell which it is by
    // looking around the grader's work folder.
    fs::path dir = workdir / opaque_name();
    fs::create_directories(dir);
    // Root with namespaces: the folder is a tmpfs of its own, so a check fills at most
    // kCheckFolderMegabytes of the machine's memory and none of its disk.
    const bool bounded = platform::mount_check_folder(dir.string(), kCheckFolderMegabytes);
    fs::create_directories(dir / "artifacts");
    fs::path artifacts = root / "build" / "artifacts" / impl.name / lab.slug / check.id;
    std::error_code ec;
    fs::remove_all(artifacts, ec);

    ChildSpec spec;
    spec.program = check_binary(impl, lab);
    // Only the check (the judge) writes the result, into a file that has no name: no
    // other process can find it, and student code runs in processes of its own that
    // do not inherit it. The filter and the file travel in the environment, which only
    // the check can read (it makes itself non-dumpable first), not on the command line.
    ResultFile result(dir);
    spec.limits.keep_fd = result.fd();
    spec.cwd = dir;
    // Isolated, every simulated event is a round trip between processes: a check's
    // time limit (set for fast mode in lab.yaml) is scaled to match. A hang is still
    // caught quickly: the judge gives each call into student code 10 s.
    const int limit = impl.isolated ? check.timeout_s * kIsolatedTimeFactor : check.timeout_s;
    spec.limits.wall = std::chrono::seconds(std::min(limit, max_timeout_s()));
    // The check may write only in its own directory; it cannot see solutions/
    // unless solutions/ is what is being graded (root only, see platform.h).
    spec.limits.sandbox = true;
    spec.limits.writable_dir = dir.string();
    spec.limits.max_processes = 128;  // processes and threads: a fork bomb stops here
    fs::path solutions = root / "solutions";
    if (fs::is_directory(solutions, ec) && fs::canonical(solutions, ec) != impl.source)
        spec.limits.hidden_dirs.push_back(solutions.string());
    // Nor the sources of the hidden checks (compiled into the check already): their
    // text must not reach a visible check's output.
    for (const fs::path& hidden : hidden_check_dirs(root)) spec.limits.hidden_dirs.push_back(hidden.string());
    spec.env_overrides = check_environment(root, lab, check);
    spec.env_overrides["GTEST_FILTER"] = check.test;
    spec.env_overrides["GTEST_OUTPUT"] = "json:/dev/fd/" + std::to_string(result.fd());
    spec.env_overrides["GTEST_BRIEF"] = "1";
    spec.env_overrides["RAFTLAB_ARTIFACTS"] = (dir / "artifacts").string();
    // Scratch files go to tmp/, which the sandbox makes a tmpfs (see Limits::tmpfs_dir).
    fs::create_directories(dir / "tmp", ec);
    spec.limits.tmpfs_dir = (dir / "tmp").string();
    spec.env_overrides["TMPDIR"] = (dir / "tmp").string();
    if (check.seeds) spec.env_overrides["RAFTLAB_SEEDS"] = std::to_string(*check.seeds);
    if (geteuid() == 0 && !platform::sandbox_available())
        run_as_sandbox_uid(spec.limits, dir, result.fd(), spec.program);
    ChildResult child = run_child(spec);
    child.output = clean_text(child.output);
    const std::string first_failure =
        classify_run(r, child, result.read(), static_cast<int>(spec.limits.wall.count() / 1000));
    r.output = without_gtest_residue(child.output);
    r.seconds = child.seconds;
    r.replay = r.status == Status::passed ? "" : replay_for(lab, check, first_failure);
    if (copy_artifacts(dir / "artifacts", artifacts)) r.artifacts = fs::relative(artifacts, root).string();
    if (bounded) platform::unmount_check_folder(dir.string());
    fs::remove_all(dir, ec);
    return r;
}

std::string classify_run(CheckResult& r, const ChildResult& child, const std::string& gtest_json, int timeout_s) {
    GtestSummary gtest = read_gtest_json(clean_text(gtest_json));
    gtest.first_failure = clean_text(gtest.first_failure);
    classify(r, child, gtest, timeout_s);
    return gtest.first_failure;
}

/// The first line of a failed build's errors, for a reason that stands alone (the
/// JSON and JUnit have no table to point at). Compiler lines keep their file:line.
std::string first_build_error(const std::string& errors) {
    std::istringstream in(errors);
    for (std::string line; std::getline(in, line);) {
        line = clean_text(line);
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        if (line.size() > 300) line = line.substr(0, 297) + "...";
        return line;
    }
    return "no compiler message was kept; run ./raftlab grade to see the build's output";
}

GradeReport grade(const fs::path& root, const GradeOptions& options) {
    auto start = std::chrono::steady_clock::now();
    GradeReport report;
    report.impl = options.impl.name;
    report.isolated = options.impl.isolated;
    std::size_t total = 0, done = 0;
    for (const Lab* lab : options.labs) total += lab->gradable ? lab->checks.size() : 0;

    bool any_gradable = false;
    for (const Lab* lab : options.labs) any_gradable |= lab->gradable;
    BuildOutcome configured{true, "", "", 0};
    const std::string shown = fs::relative(options.impl.source, root).string().rfind("..", 0) == 0
                                  ? options.impl.source.string()
                                  : fs::relative(options.impl.source, root).string();
    if (any_gradable) {
        if (std::string refused = check_submission_files(root, options.impl.source, shown); !refused.empty())
            configured = BuildOutcome{false, refused + "\n", refused, 0};
        else
            configured = configure(root, options.impl);
    }

    TempDir work("grade");
    for (const Lab* lab : options.labs) {
        LabResult lr;
        lr.lab = lab;
        if (!lab->gradable) {
            report.labs.push_back(std::move(lr));
            continue;
        }
        if (options.on_build) options.on_build(*lab);
        BuildOutcome built = configured.ok ? build_lab(root, options.impl, *lab) : configured;
        lr.build_seconds = built.seconds;
        if (!built.ok) lr.build_errors = built.errors;
        for (std::size_t i = 0; i < lab->checks.size(); ++i) {
            const auto& only = options.only_checks;
            if (!only.empty() && std::find(only.begin(), only.end(), lab->checks[i].id) == only.end()) continue;
            if (options.on_check) options.on_check(*lab, lab->checks[i], done, total);
            ++done;
            if (built.ok) {
                lr.checks.push_back(run_check(root, options.impl, *lab, i, work.path()));
                continue;
            }
            CheckResult r;
            r.lab = lab;
            r.check = &lab->checks[i];
            r.number = std::to_string(lab->number) + "." + std::to_string(i + 1);
            r.status = Status::not_compiled;
            r.reason = first_build_error(built.errors);
            lr.checks.push_back(std::move(r));
        }
        report.labs.push_back(std::move(lr));
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace raftlab::grader
