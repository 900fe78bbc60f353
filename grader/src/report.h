// report.h: the three forms a grade takes. They are built from the same
// GradeReport, so they always agree:
//   * a terminal table (coloured on a terminal) with per-lab subtotals and a total,
//     followed by what to do about each failure;
//   * Gradescope's results.json;
//   * JUnit XML, for CI systems.
#pragma once

#include <ostream>
#include <string>

#include "grade.h"

namespace raftlab::grader {

void print_table(std::ostream& out, const GradeReport& report, bool colour);
std::string gradescope_json(const GradeReport& report);
std::string junit_xml(const GradeReport& report);

}  // namespace raftlab::grader
