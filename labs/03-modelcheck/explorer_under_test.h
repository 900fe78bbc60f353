// explorer_under_test.h: the explorer the lab 3 checks use. Graded, it is the
// student's explore() in a process of its own, run on a stand-in for each model while
// the model stays in the checks (raftlab/host/remote_explorer.h: the same names,
// owned by the framework); in the fast variant for a student's own runs, the
// student's modelcheck/explorer.h itself.
#pragma once

#ifdef RAFTLAB_IN_PROCESS
#include "modelcheck/explorer.h"
#else
#include "raftlab/host/remote_explorer.h"
#endif
