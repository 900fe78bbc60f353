// hook.cpp: makes a lab's check binary write the HTML timeline when asked.
//
// Linked into a check binary as an object library (raftlab_timeline_hook), so its
// static initializer always runs: it installs the writer that run_seeds() calls when
// RAFTLAB_HTML is set (raftlab/sim/seeded.h). A binary without it simply writes no page.
#include <iostream>

#include "raftlab/sim/seeded.h"
#include "raftlab/timeline/html.h"

namespace raftlab::timeline {
namespace {

void write_for_replay(const sim::Timeline& timeline, const std::string& failure,
                      const std::filesystem::path& path) {
    try {
        write_html(timeline, PageInfo{title_from_environment(), failure}, path);
        std::cout << "HTML timeline written to " << path.string() << "\n";
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
    }
}

const bool installed = [] {
    sim::html_writer() = write_for_replay;
    return true;
}();

}  // namespace
}  // namespace raftlab::timeline
