#include "report.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <sstream>

#include "raftlab/text/html_escape.h"

namespace raftlab::grader {
namespace json = boost::json;
namespace {

struct Style {
    bool on;
    std::string operator()(const char* code, const std::string& s) const {
        return on ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
    }
};

std::string mark(Status s) {
    switch (s) {
        case Status::passed: return "PASS";
        case Status::failed: return "FAIL";
        case Status::timed_out: return "TIME";
        case Status::crashed: return "CRSH";
        case Status::not_compiled: return "BULD";
        case Status::not_gradable: return "----";
    }
    return "?";
}

const char* colour_of(Status s) { return s == Status::passed ? "32" : "31"; }

std::string clip(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }

void print_check_row(std::ostream& out, const CheckResult& c, const Style& st) {
    out << fmt::format("  {} {:<6} {:<54} {:>3}/{:<3}\n", st(colour_of(c.status), mark(c.status)), c.number,
                       clip(c.check->name, 54), c.score, c.check->points);
}

/// The checks of a lab, grouped under their stages with a subtotal each when it has
/// stages. A check is listed under the stage lab.yaml gives it, so a subtotal's label
/// is the stage's own title: it says nothing of checks the table does not list.
void print_checks(std::ostream& out, const LabResult& lab, const Style& st) {
    std::vector<StageTotal> totals = lab.stage_totals();
    if (totals.empty()) {
        for (const auto& c : lab.checks) print_check_row(out, c, st);
        return;
    }
    for (std::size_t i = 0; i < totals.size(); ++i) {
        const Stage& stage = *totals[i].stage;
        out << "  " << st("1", fmt::format("Stage {} of {}: {}", i + 1, totals.size(), stage.title)) << "\n";
        for (const auto& c : lab.checks)
            if (c.check->stage == stage.id) print_check_row(out, c, st);
        out << fmt::format("  {:<12}{:<54} {:>3}/{:<3}\n", "",
                           clip(fmt::format("stage {} subtotal ({})", i + 1, stage.title), 54), totals[i].score,
                           totals[i].max_points);
    }
}

void print_failures(std::ostream& out, const GradeReport& report, const Style& st) {
    bool header = false;
    for (const auto& lab : report.labs) {
        if (!lab.build_errors.empty()) {
            out << "\n" << st("1;31", lab.lab->label() + " did not compile:") << "\n" << lab.build_errors;
        }
        for (const auto& c : lab.checks) {
            if (c.status == Status::passed || c.status == Status::not_compiled) continue;
            if (!header) out << "\n" << st("1", "What failed, and what to do next:") << "\n", header = true;
            out << fmt::format("  {} {} ({}): {}\n", c.number, c.check->id, status_word(c.status), c.reason);
            if (!c.replay.empty())
                out << "      replay:    " << c.replay << (lab.lab->timeline ? "  (add --html timeline.html)" : "")
                    << "\n";
            if (!c.artifacts.empty()) out << "      artifacts: " << c.artifacts << "\n";
        }
    }
}

}  // namespace

void print_table(std::ostream& out, const GradeReport& report, bool colour) {
    Style st{colour};
    out << "\n" << st("1", "raftlab grade: " + report.impl) << "\n";
    if (!report.isolated)
        out << "  (fast mode: your code runs inside the checks; official grading runs it in processes of its\n"
               "   own, with the same verdicts: add --isolated to grade that way)\n";
    for (const auto& lab : report.labs) {
        std::string head = fmt::format("{:<7}{}", lab.lab->label(), lab.lab->title);
        if (!lab.lab->gradable) {
            out << "\n" << fmt::format("{:<64}{}", head, st("33", "not yet gradable")) << "\n";
            continue;
        }
        out << "\n" << st("1", head) << "\n";
        print_checks(out, lab, st);
        out << fmt::format("  {:<66}{:>4}/{:<3}\n", "subtotal", lab.score(), lab.max_points());
        if (lab.lab->hidden_checks > 0)
            out << fmt::format("  (those are the visible checks; {} hidden check{} worth {} point{} run when your "
                               "instructor grades)\n",
                               lab.lab->hidden_checks, lab.lab->hidden_checks == 1 ? "" : "s",
                               lab.lab->hidden_points, lab.lab->hidden_points == 1 ? "" : "s");
    }
    print_failures(out, report, st);
    int not_gradable = 0;
    for (const auto& lab : report.labs) not_gradable += lab.lab->gradable ? 0 : 1;
    std::string total = fmt::format("Total {}/{} in {:.1f} s", report.score(), report.max_points(), report.seconds);
    if (not_gradable) total += fmt::format("  ({} of {} labs not yet gradable)", not_gradable, report.labs.size());
    out << "\n" << st(report.all_passed() ? "1;32" : "1", total) << "\n";
}

std::string gradescope_test_name(const Lab& lab, const Check& check) {
    std::string stage;
    for (const Stage& s : lab.stages)
        if (s.id == check.stage) stage = s.title + ": ";
    return lab.label() + ": " + stage + check.name + " [" + check.id + "]";
}

std::string gradescope_json(const GradeReport& report) {
    json::array tests, stages;
    for (const auto& lab : report.labs)
        for (const auto& c : lab.checks) {
            std::string output = std::string(status_word(c.status)) + (c.reason.empty() ? "" : ": " + c.reason);
            if (!c.replay.empty()) output += "\nreplay: " + c.replay;
            if (!c.artifacts.empty()) output += "\nartifacts: " + c.artifacts;
            if (c.status == Status::not_compiled) output += "\n" + lab.build_errors;
            tests.push_back(json::object{
                {"name", gradescope_test_name(*lab.lab, *c.check)},
                {"number", c.number},
                {"score", c.score},
                {"max_score", c.check->points},
                {"status", c.status == Status::passed ? "passed" : "failed"},
                {"output", output},
                {"visibility", c.check->visibility == Visibility::hidden ? "hidden" : "visible"},
            });
        }
    json::object top{{"score", report.score()},
                     {"execution_time", static_cast<int>(report.seconds + 0.5)},
                     {"output", fmt::format("raftlab: {}/{} on {}", report.score(), report.max_points(), report.impl)},
                     {"tests", tests}};
    // Stage subtotals go into extra_data, the field Gradescope keeps for the
    // autograder's own use, so the results stay valid results.json.
    for (const auto& lab : report.labs)
        for (const auto& t : lab.stage_totals())
            stages.push_back(json::object{{"lab", lab.lab->number},
                                          {"id", t.stage->id},
                                          {"title", t.stage->title},
                                          {"points", t.score},
                                          {"max_points", t.max_points}});
    if (!stages.empty()) top["extra_data"] = json::object{{"stages", stages}};
    return json::serialize(top) + "\n";
}

std::string junit_xml(const GradeReport& report) {
    std::ostringstream x;
    int tests = 0, failures = 0, errors = 0;
    for (const auto& lab : report.labs)
        for (const auto& c : lab.checks) {
            ++tests;
            if (c.status == Status::failed) ++failures;
            else if (c.status != Status::passed) ++errors;
        }
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x << fmt::format("<testsuites name=\"raftlab\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     tests, failures, errors, report.seconds);
    for (const auto& lab : report.labs) {
        int lf = 0, le = 0;
        double t = 0;
        for (const auto& c : lab.checks) {
            lf += c.status == Status::failed;
            le += c.status != Status::failed && c.status != Status::passed;
            t += c.seconds;
        }
        x << fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                         text::html_escape(lab.lab->slug), lab.checks.size(), lf, le, t);
        for (const auto& c : lab.checks) {
            x << fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">", text::html_escape(lab.lab->slug),
                             text::html_escape(c.check->id), c.seconds);
            if (c.status != Status::passed) {
                const char* tag = c.status == Status::failed ? "failure" : "error";
                std::string body = c.replay.empty() ? c.output : "replay: " + c.replay + "\n" + c.output;
                if (c.status == Status::not_compiled) body = lab.build_errors;
                x << fmt::format("<{} message=\"{}\" type=\"{}\">{}</{}>", tag,
                                 text::html_escape(std::string(status_word(c.status)) + ": " + c.reason),
                                 text::html_escape(status_word(c.status)), text::html_escape(body), tag);
            }
            x << "</testcase>\n";
        }
        x << "  </testsuite>\n";
    }
    x << "</testsuites>\n";
    return x.str();
}

}  // namespace raftlab::grader
