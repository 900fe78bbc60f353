// foundations/message.cpp: your length-prefixed messages (lab 1, part a). Read
// foundations/message.h first: the format and the contract are there. Replace each
// raftlab::todo() with a real body.
#include "foundations/message.h"

#include "raftlab/todo.h"

namespace raftlab::foundations {

void send_message(int fd, std::string_view payload) { todo("foundations::send_message"); }

std::optional<std::string> recv_message(int fd) { todo("foundations::recv_message"); }

}  // namespace raftlab::foundations
