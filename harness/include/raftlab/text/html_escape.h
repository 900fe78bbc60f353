// raftlab/text/html_escape.h: text made safe to place in an HTML or XML page. One
// function for every page and report the framework writes (the history checker's
// page, the timeline page, the grader's JUnit XML).
#pragma once

#include <string>
#include <string_view>

namespace raftlab::text {

/// `text` ready for an element's content or a double-quoted attribute value, in HTML
/// or XML: & < > " become &amp; &lt; &gt; &quot;, and the control characters XML 1.0
/// forbids even escaped (below 0x20, except tab, newline and carriage return) become
/// '?'. Other bytes, UTF-8 included, are kept as they are.
std::string html_escape(std::string_view text);

}  // namespace raftlab::text
