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
//
// --shard I/N grades a stable 1/N of the class (for many machines), and
// `./raftlab gradebook merge` joins the shards' gradebooks into the one an unsharded
// run writes (see deploy/ for a Kubernetes Indexed Job, a Slurm array and a GitHub
// Actions matrix).
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
    /// --shard I/N: grade only the students whose name hashes to shard I (1..N), a
    /// stable split whatever else is in the folder; 1/1 grades everyone.
    int shard = 1, shards = 1;
};

/// The shard (1..shards) a student belongs to: FNV-1a of the folder's name, mod N.
int shard_of(const std::string& student, int shards);

/// ./raftlab gradebook merge S1.csv S2.csv ... --out gradebook.csv: joins the
/// gradebooks of shards (each with its folder beside it) into one, as an unsharded
/// run would have written it: the same CSV, every student's .json and .log, and a
/// summary.md of the whole class. Throws ConfigError for a missing or malformed
/// gradebook, gradebooks of different labs, or a student found in two shards.
int merge_gradebooks(const std::filesystem::path& root, const std::vector<std::filesystem::path>& inputs,
                     const std::filesystem::path& out);

/// Returns the exit code: 0 every submission was graded, 1 some could not be (see
/// summary.md), 130 interrupted (rerun to resume). Throws ConfigError for bad
/// options (missing folder, --jobs 0, no student folders, unwritable output).
int run_batch(const std::filesystem::path& root, const BatchOptions& options);

}  // namespace raftlab::grader
