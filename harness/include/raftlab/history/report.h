// raftlab/history/report.h: a self-contained HTML page explaining an illegal history.
#pragma once

#include "raftlab/history/checker.h"

#include <string>

namespace raftlab::history {

/// One HTML document (inline CSS and SVG, no network access needed) showing, for
/// every failing key, its operations on a time axis, one lane per client: the
/// longest order that still works is numbered and green, the operation no order
/// can explain is red, indeterminate operations are dashed. `title` heads the page.
std::string render_html(const History& history, const LinearizabilityResult& result, const std::string& title);

}  // namespace raftlab::history
