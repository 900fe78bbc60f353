// The main() of every lab's check binary: GoogleTest, with output kept short so the
// grader's captured log stays readable.
//
// The check is the judge: student code runs only in host processes it starts
// (raftlab/host/process.h). Before anything else it makes itself non-dumpable, so that
// no process of the same user (a host included) can read its environment, which
// holds the check's name and the result file, or its memory, or attach a debugger.
// Once GoogleTest has read its variables, the grader's are taken out of the
// environment altogether, so no process the check starts inherits them.
#include <gtest/gtest.h>

#include "raftlab/check/check.h"
#ifdef __linux__
#include <sys/prctl.h>
#endif

int main(int argc, char** argv) {
#ifdef __linux__
    prctl(PR_SET_DUMPABLE, 0);
#endif
    ::testing::InitGoogleTest(&argc, argv);
    raftlab::check::hide_environment();
    return RUN_ALL_TESTS();
}
