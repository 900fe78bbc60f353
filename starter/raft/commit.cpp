// raft/commit.cpp: deciding what is committed, and applying it (lab 7).
#include "raft/server.h"

#include "raft/quorum.h"
#include "raftlab/todo.h"

namespace raftlab {

void Server::advance_commit_index() {
    // Leader: the highest index a majority stores (count yourself), but only if that
    // entry is of your own term (Figure 8). Then apply.
    todo("Server::advance_commit_index");
}

void Server::apply_committed() {
    // Every server: hand entries last_applied+1 .. commit_index to Env::apply, in
    // order, each exactly once.
    todo("Server::apply_committed");
}

}  // namespace raftlab
