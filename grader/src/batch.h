// batch.h: grading a whole class on one machine.
//
//   ./raftlab grade [LAB ...] --submissions DIR --jobs J --out gradebook.csv
//
// Every folder of DIR is one student (the folder's name). Its starter code is
// DIR/<student>/starter, or the folder itself when it is laid out like starter/.
// Each student is graded by a grader process of their own, J at a time, in one of
// J slots (build/batch/slot-N): the student's files are copied into the slot and
// only they are recompiled, the framework and the checks stay built. Every check
// still runs in its own isolated child process.
// Next to the gradebook, in a folder named after it (gradebook/), go
//   <student>.json  Gradescope's results.json, plus what the student was graded on
//   <student>.log   the grader's table and build errors
//   summary.md      the class's totals, each check's outcomes, checks nobody passed
// A rerun skips every student whose .json records the same submission (a hash of
// its files) and the same labs, so an interrupted batch resumes where it stopped.
// A submission that cannot be graded (no starter files, a grader that crashed or
// ran out of time) scores zero with its reason; it never stops the batch.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "catalog.h"

namespace raftlab::grader {

struct BatchOptions {
    std::filesystem::path submissions;
    int jobs = 1;
    std::filesystem::path gradebook;      ///< the CSV file
    std::vector<const Lab*> labs;         ///< what every student is graded on
    std::filesystem::path grader;         ///< this program, run once per student
};

/// Returns the exit code: 0 every submission was graded, 1 some could not be (see
/// summary.md), 130 interrupted (rerun to resume). Throws ConfigError for bad
/// options (missing folder, --jobs 0, no student folders, unwritable output).
int run_batch(const std::filesystem::path& root, const BatchOptions& options);

}  // namespace raftlab::grader
