// report.h: the three forms a grade takes. They are built from the same
// GradeReport, so they always agree:
//   * a terminal table (coloured on a terminal) with per-lab subtotals (and per-stage
//     ones, for a lab with stages) and a total,
//     followed by what to do about each failure;
//   * Gradescope's results.json;
//   * JUnit XML, for CI systems.
#pragma once

#include <ostream>
#include <string>

#include "grade.h"

namespace raftlab::grader {

void print_table(std::ostream& out, const GradeReport& report, bool colour);
/// Gradescope's results.json. When a graded lab has stages, extra_data.stages lists
/// each stage's subtotal: [{lab, id, title, points, max_points}, ...], in order.
std::string gradescope_json(const GradeReport& report);
/// A check's test name there: "Lab 10: Faults: <name> [<id>]" (the stage's title only
/// when the lab has stages).
std::string gradescope_test_name(const Lab& lab, const Check& check);
std::string junit_xml(const GradeReport& report);

}  // namespace raftlab::grader
