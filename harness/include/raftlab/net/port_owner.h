// raftlab/net/port_owner.h: who holds a TCP port, for error messages people can act
// on: "port 7001 is in use by pid 4242 (redis-server)".
#pragma once

#include <string>

namespace raftlab::net {

/// "pid 4242 (redis-server)" for the process listening on 127.0.0.1:`port` (or any
/// address), "another process" when it cannot be found (not Linux, or not ours to see).
std::string port_owner(int port);

/// One line: "port 7001 is in use by pid 4242 (redis-server); stop it or choose another port".
std::string port_in_use_message(int port);

}  // namespace raftlab::net
