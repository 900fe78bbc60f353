// raftlab/host/remote_message.h: the student's lab 1 message functions, seen from
// the judge.
//
// The lab 1 checks call send_message() and recv_message() exactly as they would
// call the student's (foundations/message.h): same arguments, same results, same
// exceptions, down to MessageError. Each call is answered by the lab 1 host, a
// process that runs the student's message.cpp: the judge passes it a copy of the
// socket (SCM_RIGHTS), the host calls the student's function on that copy, closes
// it and answers. The check binary itself holds no student code.
//
// The student's code runs in the host's single thread, so a check that interrupts it
// with signals sends them to message_host_pid(), not to a thread of its own. The host
// handles SIGUSR1 without SA_RESTART and ignores SIGPIPE, as the check process did.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace raftlab::foundations {

/// The largest payload either side accepts (the contract of foundations/message.h).
inline constexpr std::size_t max_message_size = 64u * 1024u * 1024u;

/// The student's recv_message() threw MessageError (what() is theirs).
class MessageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

void send_message(int fd, std::string_view payload);
std::optional<std::string> recv_message(int fd);

}  // namespace raftlab::foundations

namespace raftlab::host {

/// The process in which this thread's calls of the student's functions run (started
/// on first use), for signals meant to interrupt them.
pid_t message_host_pid();

}  // namespace raftlab::host
