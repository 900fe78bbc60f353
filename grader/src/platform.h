// platform.h: the few OS-specific calls the grader needs, in one place.
// Linux gets the full set; elsewhere (macOS) the calls do what the OS allows.
#pragma once

#include "child.h"

namespace raftlab::grader::platform {

/// Runs in the child between fork and exec: new process group, die with the
/// parent, resource limits. Async-signal-safe; returns errno or 0.
int prepare_child(const Limits& limits);

/// Kills a whole process group with SIGKILL (ignores "no such group").
void kill_group(int pgid);

/// Makes this process reap orphaned descendants (Linux subreaper), so a check's
/// daemonized grandchild cannot escape by re-parenting to init.
void become_subreaper();

/// Kills and reaps every remaining descendant of this process that is not `except`.
void kill_descendants();

}  // namespace raftlab::grader::platform
