// The report forms of a lab with stages: the table groups the checks under their
// stages with a subtotal each, results.json lists the subtotals, and a student's
// table tells nothing of a hidden check, not even through a stage.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "catalog.h"
#include "export.h"
#include "grade.h"
#include "report.h"
#include "tempdir.h"

namespace raftlab::grader {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

Check make_check(const std::string& id, const std::string& name, int points, const std::string& stage,
                 Visibility visibility = Visibility::visible) {
    Check c;
    c.id = id;
    c.name = name;
    c.test = "A." + id;
    c.points = points;
    c.stage = stage;
    c.visibility = visibility;
    return c;
}

/// Lab 4 with two stages; its checks are listed out of stage order on purpose.
Lab staged_lab() {
    Lab lab;
    lab.number = 4;
    lab.slug = "04-log";
    lab.title = "The Raft log";
    lab.gradable = true;
    lab.stages = {{"basics", "The basics"}, {"edges", "The edges"}};
    lab.checks = {make_check("one", "First check", 2, "edges"), make_check("two", "Second check", 3, "basics"),
                  make_check("three", "Third check", 4, "edges", Visibility::hidden)};
    return lab;
}

/// A report in which the checks whose ids are in `passed` passed and the rest failed.
GradeReport report_of(const Lab& lab, const std::set<std::string>& passed) {
    LabResult lr;
    lr.lab = &lab;
    for (std::size_t i = 0; i < lab.checks.size(); ++i) {
        CheckResult r;
        r.lab = &lab;
        r.check = &lab.checks[i];
        r.number = std::to_string(lab.number) + "." + std::to_string(i + 1);
        bool ok = passed.count(lab.checks[i].id) > 0;
        r.status = ok ? Status::passed : Status::failed;
        r.score = ok ? lab.checks[i].points : 0;
        r.reason = ok ? "" : "it failed";
        lr.checks.push_back(r);
    }
    GradeReport report;
    report.impl = "test";
    report.labs.push_back(lr);
    return report;
}

std::string table_of(const GradeReport& report) {
    std::ostringstream out;
    print_table(out, report, false);
    return out.str();
}

/// The line of `text` that contains `part` ("" when none does).
std::string line_with(const std::string& text, const std::string& part) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find(part) != std::string::npos) return line;
    return "";
}

TEST(ReportUnit, tableGroupsChecksUnderTheirStagesWithSubtotals) {
    Lab lab = staged_lab();
    std::string table = table_of(report_of(lab, {"two", "three"}));
    // Stage 1 holds check 4.2 only; stage 2 holds 4.1 and 4.3: the order of the stages,
    // not of lab.yaml.
    std::vector<std::string> in_order{"Stage 1 of 2: The basics", "4.2", "stage 1 subtotal (The basics)",
                                      "Stage 2 of 2: The edges",  "4.1", "4.3",
                                      "stage 2 subtotal (The edges)", "  subtotal"};
    std::size_t at = 0;
    for (const auto& part : in_order) {
        std::size_t found = table.find(part, at);
        ASSERT_NE(found, std::string::npos) << "\"" << part << "\" missing or out of order in:\n" << table;
        at = found + part.size();
    }
    EXPECT_EQ(line_with(table, "stage 1 subtotal"),
              "              stage 1 subtotal (The basics)                            3/3  ");
    EXPECT_EQ(line_with(table, "stage 2 subtotal"),
              "              stage 2 subtotal (The edges)                             4/6  ");
    // The subtotals line up with the checks' scores and with the lab's subtotal.
    std::string check_row = line_with(table, "Second check");
    std::string lab_row = line_with(table, "  subtotal  ");
    EXPECT_EQ(check_row.find("3/3"), line_with(table, "stage 1 subtotal").find("3/3")) << table;
    EXPECT_EQ(lab_row.find("7/9"), line_with(table, "stage 2 subtotal").find("4/6")) << table;
}

TEST(ReportUnit, tableOfALabWithoutStagesIsAsBefore) {
    Lab lab = staged_lab();
    lab.stages.clear();
    for (auto& c : lab.checks) c.stage.clear();
    std::string table = table_of(report_of(lab, {"two"}));
    EXPECT_EQ(table,
              "\nraftlab grade: test\n"
              "\nLab 4  The Raft log\n"
              "  FAIL 4.1    First check                                              0/2  \n"
              "  PASS 4.2    Second check                                             3/3  \n"
              "  FAIL 4.3    Third check                                              0/4  \n"
              "  subtotal                                                             3/9  \n"
              "\nWhat failed, and what to do next:\n"
              "  4.1 one (failed): it failed\n"
              "  4.3 three (failed): it failed\n"
              "\nTotal 3/9 in 0.0 s\n");
    EXPECT_EQ(table.find("Stage"), std::string::npos);
}

TEST(ReportUnit, jsonListsStageSubtotalsAndKeepsItsFields) {
    Lab lab = staged_lab();
    json::object top = json::parse(gradescope_json(report_of(lab, {"two", "three"}))).as_object();
    for (const char* field : {"score", "execution_time", "output", "tests"})
        EXPECT_TRUE(top.contains(field)) << field;
    EXPECT_EQ(json::value_to<int>(top.at("score")), 7);
    const json::array& stages = top.at("extra_data").at("stages").as_array();
    ASSERT_EQ(stages.size(), 2u);
    EXPECT_EQ(json::serialize(stages[0]),
              R"({"lab":4,"id":"basics","title":"The basics","points":3,"max_points":3})");
    EXPECT_EQ(json::serialize(stages[1]), R"({"lab":4,"id":"edges","title":"The edges","points":4,"max_points":6})");
    // Each test's name carries its stage's title; numbers and visibility are as before.
    const json::array& tests = top.at("tests").as_array();
    ASSERT_EQ(tests.size(), 3u);
    EXPECT_EQ(tests[0].at("name").as_string(), "Lab 4: The edges: First check [one]");
    EXPECT_EQ(tests[1].at("name").as_string(), "Lab 4: The basics: Second check [two]");
    EXPECT_EQ(tests[1].at("number").as_string(), "4.2");
    EXPECT_EQ(tests[2].at("visibility").as_string(), "hidden");
}

TEST(ReportUnit, jsonOfALabWithoutStagesIsAsBefore) {
    Lab lab = staged_lab();
    lab.stages.clear();
    for (auto& c : lab.checks) c.stage.clear();
    json::object top = json::parse(gradescope_json(report_of(lab, {"two"}))).as_object();
    EXPECT_FALSE(top.contains("extra_data")) << json::serialize(top);
    EXPECT_EQ(top.at("tests").as_array()[0].at("name").as_string(), "Lab 4: First check [one]");
}

/// The student repository: export-student cuts the hidden checks, and a stage whose
/// checks are all hidden, out of lab.yaml. Its table names no hidden check, no stage
/// of hidden checks, and counts the hidden points once, for the lab.
TEST(ReportUnit, aStudentsTableTellsNothingOfHiddenChecks) {
    const std::string yaml =
        "number: 4\nslug: 04-log\ntitle: The Raft log\nhandout: handouts/04-log.md\nstatus: gradable\n"
        "stages:\n"
        "  - {id: basics, title: \"The basics\"}\n"
        "  - {id: secret_stage, title: \"Byzantine surprises\"}\n"
        "  - {id: edges, title: \"The edges\"}\n"
        "checks:\n"
        "  - {id: one, name: First check, test: A.one, points: 2, visibility: visible, timeout: 5, stage: edges}\n"
        "  - {id: two, name: Second check, test: A.two, points: 3, visibility: visible, timeout: 5, stage: basics}\n"
        "  - {id: sneaky, name: Sneaky hidden check, test: A.sneaky, points: 4, visibility: hidden, timeout: 5, "
        "stage: edges}\n"
        "  - {id: lying, name: Lying leader, test: A.lying, points: 5, visibility: hidden, timeout: 5, "
        "stage: secret_stage}\n";
    TempDir root("report-test");
    fs::create_directories(root.path() / "labs/04-log");
    fs::create_directories(root.path() / "handouts");
    std::ofstream(root.path() / "handouts/04-log.md") << "x\n";
    std::ofstream(root.path() / "labs/04-log/lab.yaml") << strip_hidden_checks(yaml, "labs/04-log/lab.yaml");
    Lab lab = load_lab(root.path() / "labs/04-log/lab.yaml", root.path());
    ASSERT_EQ(lab.stages.size(), 2u) << "the stage of hidden checks only must be cut";
    EXPECT_EQ(lab.hidden_checks, 2);
    EXPECT_EQ(lab.hidden_points, 9);

    std::string table = table_of(report_of(lab, {"one", "two"}));
    for (const char* secret : {"sneaky", "Sneaky", "lying", "Lying", "secret_stage", "Byzantine"})
        EXPECT_EQ(table.find(secret), std::string::npos) << secret << " shows in:\n" << table;
    EXPECT_NE(line_with(table, "stage 1 subtotal (The basics)").find("3/3"), std::string::npos) << table;
    EXPECT_NE(line_with(table, "stage 2 subtotal (The edges)").find("2/2"), std::string::npos) << table;
    EXPECT_NE(table.find("2 hidden checks worth 9 points"), std::string::npos) << table;
    std::string results = gradescope_json(report_of(lab, {"one", "two"}));
    for (const char* secret : {"sneaky", "Sneaky", "lying", "Lying", "secret_stage", "Byzantine"})
        EXPECT_EQ(results.find(secret), std::string::npos) << secret << " shows in:\n" << results;
}

}  // namespace
}  // namespace raftlab::grader
