// raft/reads.cpp: reads that cannot return stale data (lab 9).
#include "raft/server.h"

#include "raft/quorum.h"
#include "raftlab/todo.h"

namespace raftlab {

bool Server::read(ReadId id) { todo("Server::read"); }

void Server::confirm_reads() { todo("Server::confirm_reads"); }

void Server::abandon_reads() { todo("Server::abandon_reads"); }

}  // namespace raftlab
