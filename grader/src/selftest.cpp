#include "selftest.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "child.h"
#include "grade.h"

namespace raftlab::grader {
namespace fs = std::filesystem;
namespace {

struct Variant {
    fs::path patch;
    std::vector<std::string> expect_fail;
    std::string why;
    /// "# caught-only-by-search" on the third line: a bug the seeded checks miss and
    /// only a search check finds. The selftest then also grades every other check of
    /// the lab (fast) and requires each to pass.
    bool only_by_search = false;
};

Variant read_variant(const fs::path& patch, const fs::path& root, const Lab& lab) {
    std::ifstream in(patch);
    std::string first, second, third;
    std::getline(in, first);
    std::getline(in, second);
    std::getline(in, third);
    std::string where = fs::relative(patch, root).string() + ":1: ";
    const std::string tag = "# expect-fail:";
    if (first.rfind(tag, 0) != 0)
        throw ConfigError(where + "the first line must be \"# expect-fail: <check id> ...\"");
    Variant v{patch, {}, second.rfind("# why:", 0) == 0 ? second.substr(6) : ""};
    std::istringstream ids(first.substr(tag.size()));
    for (std::string id; ids >> id;) {
        bool known = false;
        for (const auto& c : lab.checks) known |= c.id == id;
        if (!known) throw ConfigError(where + "expect-fail names \"" + id + "\", which is not a check of " + lab.slug);
        v.expect_fail.push_back(id);
    }
    if (v.expect_fail.empty()) throw ConfigError(where + "expect-fail names no check");
    v.only_by_search = third.rfind("# caught-only-by-search", 0) == 0;
    return v;
}

/// One rule a handout states as checked, and the checks that hold students to it
/// (labs/NN/broken/rules.yaml: instructors only, like the variants).
struct Rule {
    std::string text;
    std::vector<std::string> checks;
};

std::vector<Rule> read_rules(const fs::path& file, const fs::path& root, const Lab& lab) {
    std::vector<Rule> rules;
    if (!fs::exists(file)) return rules;
    const std::string where = fs::relative(file, root).string();
    YAML::Node doc;
    try {
        doc = YAML::LoadFile(file.string());
    } catch (const YAML::Exception& e) {
        throw ConfigError(where + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
    }
    if (!doc.IsSequence()) throw ConfigError(where + ":1: must be a list of {rule: <text>, checks: [<check id>, ...]}");
    for (const auto& node : doc) {
        const std::string at = where + ":" + std::to_string(node.Mark().line + 1) + ": ";
        if (!node.IsMap() || !node["rule"] || !node["checks"] || !node["checks"].IsSequence() || node.size() != 2)
            throw ConfigError(at + "each rule is {rule: <text>, checks: [<check id>, ...]}");
        Rule r{node["rule"].as<std::string>(), {}};
        for (const auto& id : node["checks"]) {
            std::string c = id.as<std::string>();
            bool known = false;
            for (const auto& check : lab.checks) known |= check.id == c;
            if (!known) throw ConfigError(at + "names \"" + c + "\", which is not a check of " + lab.slug);
            r.checks.push_back(c);
        }
        if (r.checks.empty()) throw ConfigError(at + "a rule needs at least one check");
        rules.push_back(std::move(r));
    }
    return rules;
}

void apply_patch(const Variant& v, const fs::path& dir, const fs::path& root) {
    ChildSpec spec;
    spec.program = "/usr/bin/env";
    spec.args = {"patch", "-p1", "-s", "--no-backup-if-mismatch", "-d", dir.string(), "-i", v.patch.string()};
    spec.limits.resource_limits = false;
    ChildResult r = run_child(spec);
    if (r.exit_code != 0)
        throw ConfigError(fs::relative(v.patch, root).string() +
                          ": does not apply to solutions/ any more; remake it with diff -u (" + r.output + ")");
}

}  // namespace

int run_variant_selftest(const fs::path& root, const std::vector<const Lab*>& labs, bool colour,
                         bool prove_search_only, const std::string& workspace) {
    int missed = 0, total = 0;
    for (const Lab* lab : labs) {
        fs::path dir = lab->yaml.parent_path() / "broken";
        if (!lab->gradable || !fs::is_directory(dir)) continue;
        std::vector<fs::path> patches;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().extension() == ".patch") patches.push_back(e.path());
        std::sort(patches.begin(), patches.end());
        const std::vector<Rule> rules = read_rules(dir / "rules.yaml", root, *lab);
        std::vector<std::pair<Variant, bool>> outcomes;  // each variant, and whether it was caught
        // Every variant of every lab shares one copy of solutions/ and one build
        // directory (per workspace): only the files a patch touches are rebuilt.
        Impl impl{workspace, root / "build" / workspace / "src", root / "build" / ("impl-" + workspace)};
        // The fast variants: the same verdicts as isolated grading (a test keeps it so)
        // in a fraction of the time, over dozens of variants.
        impl.isolated = false;
        for (const auto& p : patches) {
            Variant v = read_variant(p, root, *lab);
            sync_tree(root / "solutions", impl.source);
            apply_patch(v, impl.source, root);
            GradeOptions opts;
            opts.labs = {lab};
            opts.impl = impl;
            opts.only_checks = v.expect_fail;
            GradeReport report = grade(root, opts);
            // A variant counts as caught only when it built and every check it names
            // failed by finding the bug (a build error proves nothing about the checks).
            const LabResult& result = report.labs[0];
            std::vector<std::string> escaped;
            for (const auto& id : v.expect_fail)
                for (const auto& c : result.checks)
                    if (c.check->id == id && (c.status == Status::passed || c.status == Status::not_compiled))
                        escaped.push_back(id);
            // Every failure must be a sentence: none of GoogleTest's own phrases.
            std::vector<std::string> unworded;
            for (const auto& c : result.checks)
                if (c.status != Status::passed && has_gtest_residue(c.reason))
                    unworded.push_back(c.check->id + ": " + c.reason);
            // A variant marked caught-only-by-search must pass every other check of its
            // lab: the proof that random seeds miss what the search finds. It costs a
            // whole lab's grade per such variant, so it runs only when asked for.
            std::vector<std::string> also;
            if (prove_search_only && v.only_by_search && escaped.empty()) {
                GradeOptions rest = opts;
                rest.only_checks.clear();
                for (const auto& c : lab->checks)
                    if (std::find(v.expect_fail.begin(), v.expect_fail.end(), c.id) == v.expect_fail.end())
                        rest.only_checks.push_back(c.id);
                GradeReport others = grade(root, rest);
                for (const auto& c : others.labs[0].checks)
                    if (c.status != Status::passed) also.push_back(c.check->id);
            }
            ++total;
            bool caught = escaped.empty() && unworded.empty() && also.empty();
            missed += caught ? 0 : 1;
            std::string verdict = caught ? (v.only_by_search && prove_search_only ? "caught, and only by the search"
                                            : v.only_by_search ? "caught (marked caught-only-by-search; "
                                                                 "--prove-search-only grades the rest of the lab)"
                                                               : "caught")
                                  : !result.build_errors.empty()
                                      ? "DOES NOT COMPILE:\n" + result.build_errors
                                  : !escaped.empty()
                                      ? "NOT CAUGHT by " + fmt::format("{}", fmt::join(escaped, ", "))
                                  : !also.empty()
                                      ? "marked caught-only-by-search, but ALSO CAUGHT by " +
                                            fmt::format("{}", fmt::join(also, ", "))
                                      : "FAILS WITHOUT A SENTENCE (GoogleTest's words reach the student): " +
                                            fmt::format("{}", fmt::join(unworded, "; "));
            if (colour) verdict = (caught ? "\033[32m" : "\033[31m") + verdict + "\033[0m";
            std::cout << fmt::format("{:<16} {:<32} {}\n", lab->slug, p.stem().string(), verdict)
                      << std::flush;
            outcomes.emplace_back(v, caught);
        }
        sync_tree(root / "solutions", impl.source);
        // Each rule of the handout, with the checks that hold it and the variants that
        // prove those checks fail when only that rule is broken.
        for (const Rule& rule : rules) {
            std::vector<std::string> proven;
            for (const auto& [v, caught] : outcomes) {
                bool names = false;
                for (const auto& id : v.expect_fail)
                    names |= std::find(rule.checks.begin(), rule.checks.end(), id) != rule.checks.end();
                if (names && caught) proven.push_back(v.patch.stem().string());
            }
            ++total;
            missed += proven.empty() ? 1 : 0;
            std::string verdict = proven.empty() ? "NO CAUGHT VARIANT BREAKS IT" : "held";
            if (colour) verdict = (proven.empty() ? "\033[31m" : "\033[32m") + verdict + "\033[0m";
            std::cout << fmt::format("{:<16} rule: {}\n{:<16}   checks: {}; variants: {}; {}\n", lab->slug, rule.text,
                                     "", fmt::join(rule.checks, ", "),
                                     proven.empty() ? "none" : fmt::format("{}", fmt::join(proven, ", ")), verdict)
                      << std::flush;
        }
    }
    if (total == 0)
        throw ConfigError("no broken variants to check: there is no labs/*/broken/*.patch here (the student "
                          "repository leaves them out; they are in the instructors' repository)");
    std::cout << fmt::format("{} passed, {} failed (variants and rules)\n", total - missed, missed);
    return missed;
}

}  // namespace raftlab::grader
