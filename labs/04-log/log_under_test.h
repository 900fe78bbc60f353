// log_under_test.h: the Log the lab 4 checks use. Graded, it is the student's Log in
// a process of its own (raftlab/host/remote_log.h: same members, same results, same
// exceptions); in the fast variant for a student's own runs, the student's class
// itself.
#pragma once

#ifdef RAFTLAB_IN_PROCESS
#include "raft/log.h"
#else
#include "raftlab/host/remote_log.h"
#endif
