// network_under_test.h: the Network the lab 5 checks use. Graded, it is the
// student's Network in a process of its own (raftlab/host/remote_network.h: same
// members, same results, same exceptions); in the fast variant for a student's own
// runs, the student's class itself.
#pragma once

#ifdef RAFTLAB_IN_PROCESS
#include "network/network.h"
#else
#include "raftlab/host/remote_network.h"
#endif

namespace raftlab::checks {

/// Runs `body`, a function of its seed alone, letting the hosted Network take its
/// shortcuts (remote_network.h); when one of its guesses was wrong, runs `body`
/// again without them, so the outcome is always that of plain calls.
template <class Body>
auto with_shortcuts(Body&& body) -> decltype(body()) {
#ifdef RAFTLAB_IN_PROCESS
    return body();
#else
    try {
        host::Speculation shortcuts;
        return body();
    } catch (const host::Mispredicted&) {
        return body();
    }
#endif
}

}  // namespace raftlab::checks
