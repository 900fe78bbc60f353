// The catalogue: lab.yaml errors name the file, the line and the field.
#include <gtest/gtest.h>

#include <fstream>

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

/// The real catalogue: all ten projects of the course, in order, with their folders.
TEST(RealCatalog, hasTheTenProjects) {
    auto labs = load_catalog(RAFTLAB_SOURCE_DIR);
    std::vector<std::string> want{"01-foundations", "02-statemachine", "03-modelcheck", "04-log",   "05-network",
                                  "06-replication", "07-consensus",    "08-election",   "09-timing", "10-system"};
    std::vector<std::string> got;
    for (const auto& l : labs) got.push_back(l.slug);
    EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace raftlab::grader
