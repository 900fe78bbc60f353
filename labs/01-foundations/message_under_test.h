// message_under_test.h: the send_message() and recv_message() the lab 1 checks call.
// Graded, they are the student's functions running in a process of their own
// (raftlab/host/remote_message.h: same results, same exceptions); in the fast
// variant for a student's own runs, the student's functions themselves.
#pragma once

#include <pthread.h>
#include <signal.h>

#ifdef RAFTLAB_IN_PROCESS
#include "foundations/message.h"
#else
#include "raftlab/host/remote_message.h"
#endif

namespace raftlab::lab01 {

/// Where the student's calls made by this thread run, for a signal meant to
/// interrupt them: this thread itself, or the host process.
class StudentCode {
public:
    void signal(int sig) const {
#ifdef RAFTLAB_IN_PROCESS
        ::pthread_kill(thread_, sig);
#else
        ::kill(host_, sig);
#endif
    }

private:
#ifdef RAFTLAB_IN_PROCESS
    pthread_t thread_ = ::pthread_self();
#else
    pid_t host_ = host::message_host_pid();
#endif
};

}  // namespace raftlab::lab01
