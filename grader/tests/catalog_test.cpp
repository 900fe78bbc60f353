// The catalogue: lab.yaml errors name the file, the line and the field.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "catalog.h"
#include "tempdir.h"

namespace raftlab::grader {
namespace {
namespace fs = std::filesystem;

class CatalogTest : public ::testing::Test {
protected:
    TempDir root{"catalog-test"};
    void write_lab(const std::string& slug, const std::string& yaml) {
        fs::create_directories(root.path() / "labs" / slug);
        fs::create_directories(root.path() / "handouts");
        std::ofstream(root.path() / "handouts" / (slug + ".md")) << "# handout\n";
        std::ofstream(root.path() / "labs" / slug / "lab.yaml") << yaml;
    }
    /// The error of the first invalid lab (or of the catalogue), "" when all load.
    std::string error_of() {
        try {
            for (const auto& lab : load_catalog(root.path()))
                if (!lab.error.empty()) return lab.error;
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "";
    }
};

const char* kGood = R"(number: 4
slug: 04-log
title: The Raft log
handout: handouts/04-log.md
status: gradable
checks:
  - {id: one, name: First, test: A.one, points: 2, visibility: visible, timeout: 10}
  - {id: two, name: Second, test: A.two, points: 3, visibility: hidden, timeout: 20, seeds: 50}
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

TEST_F(CatalogTest, loadsAValidLab) {
    write_lab("04-log", kGood);
    auto labs = load_catalog(root.path());
    ASSERT_EQ(labs.size(), 1u);
    EXPECT_EQ(labs[0].max_points(), 5);
    EXPECT_EQ(labs[0].target(), "lab04_checks");
    EXPECT_EQ(labs[0].checks[1].visibility, Visibility::hidden);
    EXPECT_EQ(labs[0].checks[1].seeds, 50);
    EXPECT_FALSE(labs[0].checks[0].seeds.has_value());
    EXPECT_EQ(&find_lab(labs, "4"), &labs[0]);
    EXPECT_EQ(&find_lab(labs, "04-log"), &labs[0]);
}

TEST_F(CatalogTest, negativePointsNameFileLineAndField) {
    write_lab("04-log", replace(kGood, "points: 3", "points: -1"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:8: checks[1].points must be a whole number from 1 to 1000, got \"-1\"");
}

TEST_F(CatalogTest, missingFieldIsNamed) {
    write_lab("04-log", replace(kGood, "test: A.one, ", ""));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:7: checks[0].test is missing");
}

TEST_F(CatalogTest, badVisibilitySaysWhatIsAllowed) {
    write_lab("04-log", replace(kGood, "visibility: hidden", "visibility: secret"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:8: checks[1].visibility must be visible or hidden, got \"secret\"");
}

TEST_F(CatalogTest, unknownFieldIsRejected) {
    write_lab("04-log", replace(kGood, "status: gradable", "status: gradable\nweight: 3"));
    EXPECT_NE(error_of().find("labs/04-log/lab.yaml:6: weight is not a known field"), std::string::npos) << error_of();
}

TEST_F(CatalogTest, malformedYamlGivesTheLine) {
    write_lab("04-log", replace(kGood, "title: The Raft log", "title: [unclosed"));
    EXPECT_NE(error_of().find("labs/04-log/lab.yaml:4: malformed YAML"), std::string::npos) << error_of();
}

TEST_F(CatalogTest, duplicateIdsAreRejected) {
    write_lab("04-log", replace(kGood, "id: two", "id: one"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:8: checks[1].id repeats \"one\"; ids must be unique");
}

TEST_F(CatalogTest, slugMustMatchFolder) {
    write_lab("04-log", replace(kGood, "slug: 04-log", "slug: 04-logs"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:2: slug must match the folder name \"04-log\", got \"04-logs\"");
}

TEST_F(CatalogTest, missingHandoutIsNamed) {
    write_lab("04-log", replace(kGood, "handout: handouts/04-log.md", "handout: handouts/nope.md"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:4: handout names a missing file \"handouts/nope.md\"");
}

TEST_F(CatalogTest, gradableLabNeedsChecks) {
    write_lab("04-log", kGood);
    std::ofstream(root.path() / "labs/04-log/lab.yaml")
        << "number: 4\nslug: 04-log\ntitle: T\nhandout: handouts/04-log.md\nstatus: gradable\nchecks: []\n";
    EXPECT_NE(error_of().find("checks is empty, but status is gradable"), std::string::npos) << error_of();
}

TEST_F(CatalogTest, anInvalidLabFailsOnlyWhenSelected) {
    write_lab("04-log", kGood);
    write_lab("05-network", "number: 5\nslug: 05-network\n");
    auto labs = load_catalog(root.path());
    ASSERT_EQ(labs.size(), 2u);
    EXPECT_EQ(find_lab(labs, "4").slug, "04-log") << "a broken lab 5 must not stop lab 4 from grading";
    EXPECT_THROW(find_lab(labs, "5"), ConfigError);
}

TEST_F(CatalogTest, unknownLabListsTheKnownOnes) {
    write_lab("04-log", kGood);
    auto labs = load_catalog(root.path());
    try {
        find_lab(labs, "99");
        FAIL() << "find_lab(99) must throw";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "unknown lab \"99\": name a lab by number (4) or by folder, e.g. 04-log");
    }
}

// ---- stages --------------------------------------------------------------------

const char* kStaged = R"(number: 4
slug: 04-log
title: The Raft log
handout: handouts/04-log.md
status: gradable
stages:
  - {id: basics, title: "The basics"}
  - {id: edges, title: "The edges"}
checks:
  - {id: one, name: First, test: A.one, points: 2, visibility: visible, timeout: 10, stage: edges}
  - {id: two, name: Second, test: A.two, points: 3, visibility: visible, timeout: 20, stage: basics}
  - {id: three, name: Third, test: A.three, points: 4, visibility: hidden, timeout: 20, stage: edges}
)";

TEST_F(CatalogTest, stagesLoadInTheirOrderWithTheirChecks) {
    write_lab("04-log", kStaged);
    auto labs = load_catalog(root.path());
    ASSERT_EQ(labs.size(), 1u);
    ASSERT_EQ(labs[0].error, "");
    const Lab& lab = labs[0];
    ASSERT_EQ(lab.stages.size(), 2u);
    EXPECT_EQ(lab.stages[0].id, "basics");
    EXPECT_EQ(lab.stages[0].title, "The basics");
    EXPECT_EQ(lab.stages[1].id, "edges");
    EXPECT_EQ(lab.checks[0].stage, "edges");
    EXPECT_EQ(lab.checks[1].stage, "basics");
    EXPECT_EQ(lab.max_points(lab.stages[0]), 3);
    EXPECT_EQ(lab.max_points(lab.stages[1]), 6) << "a hidden check counts in its stage's points";
}

TEST_F(CatalogTest, aLabWithoutStagesHasNone) {
    write_lab("04-log", kGood);
    auto labs = load_catalog(root.path());
    ASSERT_EQ(labs.size(), 1u);
    EXPECT_TRUE(labs[0].stages.empty());
    for (const auto& c : labs[0].checks) EXPECT_EQ(c.stage, "") << c.id;
}

TEST_F(CatalogTest, stageMustBeDeclared) {
    write_lab("04-log", replace(kStaged, "stage: basics}", "stage: basic}"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:11: checks[1].stage must name a stage declared under stages: "
                          "(basics, edges), got \"basic\"");
}

TEST_F(CatalogTest, stageInALabWithoutStagesIsRejected) {
    write_lab("04-log", replace(kGood, "timeout: 10}", "timeout: 10, stage: basics}"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:7: checks[0].stage names \"basics\", but the lab declares no "
                          "stages; add a stages: list or remove this stage:");
}

TEST_F(CatalogTest, everyCheckNamesAStageWhenTheLabHasStages) {
    write_lab("04-log", replace(kStaged, ", stage: basics}", "}"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:11: checks[1].stage is missing; this lab declares stages, so "
                          "every check names one (basics, edges)");
}

TEST_F(CatalogTest, aStageWithNoCheckIsRejected) {
    write_lab("04-log", replace(kStaged, "  - {id: edges, title: \"The edges\"}\n",
                                "  - {id: edges, title: \"The edges\"}\n  - {id: later, title: Later}\n"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:9: stages[2].id \"later\" has no check; give a check stage: "
                          "later, or remove the stage");
}

TEST_F(CatalogTest, duplicateStageIdsAreRejected) {
    write_lab("04-log", replace(kStaged, "id: edges, title", "id: basics, title"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:8: stages[1].id repeats \"basics\"; stage ids must be unique");
}

TEST_F(CatalogTest, stageIdsUseLowercaseDigitsAndUnderscore) {
    write_lab("04-log", replace(kStaged, "id: basics, title", "id: The-Basics, title"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:7: stages[0].id must use only a-z, 0-9 and _, got \"The-Basics\"");
}

TEST_F(CatalogTest, stagesMustBeAListOfIdAndTitle) {
    write_lab("04-log", replace(kStaged, "title: \"The basics\"", "title: \"The basics\", points: 3"));
    EXPECT_NE(error_of().find("labs/04-log/lab.yaml:7: stages[0].points is not a known field (known: id, title)"),
              std::string::npos)
        << error_of();
    write_lab("04-log", replace(kStaged, "  - {id: basics, title: \"The basics\"}\n", "  - basics\n"));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:7: stages[0] must be a map {id: ..., title: ...}");
    write_lab("04-log", replace(kStaged, ", title: \"The basics\"", ""));
    EXPECT_EQ(error_of(), "labs/04-log/lab.yaml:7: stages[0].title is missing");
    write_lab("04-log", "number: 4\nslug: 04-log\ntitle: T\nhandout: handouts/04-log.md\nstatus: planned\n"
                        "stages: []\nchecks: []\n");
    EXPECT_NE(error_of().find("labs/04-log/lab.yaml:6: stages must be a list of {id: ..., title: ...}"),
              std::string::npos)
        << error_of();
}

/// The real catalogue: the ten projects of the course, then the optional ones written
/// so far, in order, with their folders.
TEST(RealCatalog, hasTheTenProjectsAndTheOptionalOnes) {
    auto labs = load_catalog(RAFTLAB_SOURCE_DIR);
    std::vector<std::string> want{"01-foundations", "02-statemachine", "03-modelcheck", "04-log",
                                  "05-network",     "06-replication",  "07-consensus",  "08-election",
                                  "09-timing",      "10-system",       "11-compaction",   "12-membership",
                                  "13-stability"};
    std::vector<std::string> got;
    for (const auto& l : labs) got.push_back(l.slug);
    EXPECT_EQ(got, want);
}

/// Lab 10 is climbed in stages; storage and transport join when their checks do.
TEST(RealCatalog, lab10HasItsStages) {
    auto labs = load_catalog(RAFTLAB_SOURCE_DIR);
    const Lab& lab = find_lab(labs, "10");
    std::vector<std::string> stages;
    for (const auto& s : lab.stages) stages.push_back(s.id);
    EXPECT_EQ(stages, (std::vector<std::string>{"storage", "transport", "client", "faults"}));
    // Each stage's checks, and the order of the stages in the list of checks.
    const std::map<std::string, std::string> stage_of{
        {"storage_term_and_vote", "storage"}, {"storage_log", "storage"}, {"storage_sync", "storage"},
        {"storage_torn_tail", "storage"}, {"storage_corruption", "storage"},
        {"cluster_elects", "transport"}, {"restarted_leader_rejoins", "transport"},
        {"vote_survives_restart", "transport"}, {"log_survives_power_loss", "transport"},
        {"basic_operations", "client"}, {"follower_redirects", "client"}, {"concurrent_clients", "client"},
        {"duplicate_requests", "client"}};
    for (const auto& c : lab.checks) {
        auto it = stage_of.find(c.id);
        EXPECT_EQ(c.stage, it == stage_of.end() ? "faults" : it->second) << c.id;
    }
}

}  // namespace
}  // namespace raftlab::grader
