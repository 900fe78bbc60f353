// foundations/kv_store.cpp: your key/value store (lab 1, part b). The request and
// reply formats are in foundations/kv_store.h. No sockets here: this is a function
// from a request string to a reply string, plus a lock.
#include "foundations/kv_store.h"

#include "raftlab/todo.h"

namespace raftlab::foundations {

std::string KvStore::handle(std::string_view request) { todo("foundations::KvStore::handle"); }

}  // namespace raftlab::foundations
