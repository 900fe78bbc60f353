// selftest.h: the framework grading itself with deliberately broken variants.
//
// labs/NN-slug/broken/<name>.patch is a unified diff against solutions/. Its first
// line says which checks must catch it:   # expect-fail: conflict_truncation
// and its second line says why:           # why: ...
// The self-test applies each patch to a copy of solutions/, grades the lab against
// it, and fails unless every named check fails. A third line "# caught-only-by-search"
// marks a bug that only a search check (harness/sim/search.h) finds; with
// prove_search_only the lab's other checks are graded too and must all pass.
#pragma once

#include <filesystem>
#include <vector>

#include <string>

#include "catalog.h"

namespace raftlab::grader {

/// Returns the number of variants that were not caught (0: all caught).
/// Throws ConfigError for a malformed patch header or a patch that does not apply.
/// `workspace` names the copy of solutions/ and its build folder (build/<workspace>/src
/// and build/impl-<workspace>), so that two selftests of different labs can run at once.
int run_variant_selftest(const std::filesystem::path& root, const std::vector<const Lab*>& labs, bool colour,
                         bool prove_search_only = false, const std::string& workspace = "variants");

}  // namespace raftlab::grader
