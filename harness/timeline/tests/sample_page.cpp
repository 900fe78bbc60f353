// sample_page.cpp: writes the HTML timeline of a failing run to the path given, for
// the browser test (browser/timeline_browser_test.mjs) to load.
#include <iostream>

#include "raftlab/timeline/html.h"
#include "sample_run.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: raftlab-timeline-sample OUTPUT.html\n";
        return 2;
    }
    try {
        auto sim = raftlab::timeline_test::first_failing_run();
        raftlab::timeline::write_html(sim->timeline(),
                                      {"raftlab \xC2\xB7 timeline self-test \xC2\xB7 hasty voters", sim->failure()},
                                      argv[1]);
        std::cout << "wrote " << argv[1] << " (" << sim->timeline().events().size()
                  << " events; " << sim->failure() << ")\n";
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
