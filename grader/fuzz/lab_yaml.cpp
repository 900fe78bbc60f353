// Fuzz target: lab.yaml parsing (grader/src/catalog.h, load_lab()). Built by the
// harness's clang fuzz project through fuzz.cmake (see harness/fuzz/README.md).
//
// Input: the text of labs/04-log/lab.yaml inside a private temporary repository root
// that has a handouts/ folder with handouts/04-log.md, so a valid input can get all
// the way through (the slug must match the folder, the handout must exist).
//
// Properties checked (from the header's contract):
//   * a bad file throws ConfigError naming the file ("labs/04-log/lab.yaml:...");
//     no other exception escapes and nothing crashes;
//   * an accepted lab respects every documented bound (number, slug, points,
//     timeouts, unique check ids and tests, a gradable lab has checks, stages
//     declared once and each with a check, every check's stage declared).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "catalog.h"
#include "fuzz_check.h"
#include "scratch_dir.h"

namespace {

namespace fs = std::filesystem;
namespace grader = raftlab::grader;

/// A repository root with handouts/04-log.md and labs/04-log/, the input's folder.
struct ScratchRoot {
    raftlab::fuzz::ScratchDir dir{"lab"};
    fs::path root = dir.path();
    fs::path yaml = root / "labs" / "04-log" / "lab.yaml";

    ScratchRoot() {
        fs::create_directories(root / "handouts");
        fs::create_directories(yaml.parent_path());
        std::ofstream(root / "handouts" / "04-log.md") << "# Lab 4\n";
    }
};

const ScratchRoot& scratch() {
    static const ScratchRoot instance;
    return instance;
}

void expect_valid(const grader::Lab& lab) {
    FUZZ_EXPECT(lab.number == 4 && lab.slug == "04-log", "number and slug match the folder");
    FUZZ_EXPECT(!lab.title.empty() && !lab.handout.empty(), "title and handout are set");
    FUZZ_EXPECT(lab.error.empty(), "load_lab never returns a lab marked broken");
    FUZZ_EXPECT(!lab.gradable || !lab.checks.empty(), "a gradable lab has checks");
    std::set<std::string> ids, tests;
    for (const auto& c : lab.checks) {
        FUZZ_EXPECT(c.points >= 1 && c.points <= 1000, "points in 1..1000");
        FUZZ_EXPECT(c.timeout_s >= 1 && c.timeout_s <= 3600, "timeout in 1..3600");
        FUZZ_EXPECT(!c.seeds || (*c.seeds >= 1 && *c.seeds <= 1000000), "seeds in 1..1000000");
        FUZZ_EXPECT(ids.insert(c.id).second && tests.insert(c.test).second, "check ids and tests are unique");
        FUZZ_EXPECT(!c.name.empty(), "every check has a name");
        FUZZ_EXPECT(c.stage.empty() == lab.stages.empty(), "a check names a stage exactly when the lab has stages");
    }
    std::set<std::string> stage_ids;
    for (const auto& stage : lab.stages) {
        FUZZ_EXPECT(stage_ids.insert(stage.id).second && !stage.title.empty(), "stage ids are unique, titles set");
        FUZZ_EXPECT(lab.max_points(stage) > 0, "every stage has a check");
    }
    for (const auto& c : lab.checks)
        FUZZ_EXPECT(c.stage.empty() || stage_ids.count(c.stage), "a check's stage is declared");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ScratchRoot& s = scratch();
    raftlab::fuzz::write_file(s.yaml, data, size);
    try {
        expect_valid(grader::load_lab(s.yaml, s.root));
    } catch (const grader::ConfigError& e) {
        FUZZ_EXPECT(std::string(e.what()).rfind("labs/04-log/lab.yaml", 0) == 0,
                    "a lab.yaml error names the file first");
    }
    return 0;
}
