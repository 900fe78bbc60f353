// zygote_protocol.h: the requests a judge sends a host program's zygote (see
// process.cpp and serve.cpp). Plain bytes, not frames: the zygote runs before any
// student code is called and answers only these two.
#pragma once

namespace raftlab::host::zygote {
/// The zygote's socket, and in each child the socket to the judge.
inline constexpr int kFd = 3;
/// 'F' -> i32 pid, with the judge's end of the child's socket passed by SCM_RIGHTS
/// (pid <= 0: the fork failed).
inline constexpr char kFork = 'F';
/// 'W' i32 pid, u8 block -> i32 reaped (0 or 1), i32 wait status.
inline constexpr char kWait = 'W';
}  // namespace raftlab::host::zygote
