// foundations/kv_server.cpp: your key/value server (lab 1, part b).
//
//   kv_server --port N
//
// Listen on 127.0.0.1:N (only there: never on all interfaces) and serve any number
// of clients at once. Each client sends request messages (framed as in
// foundations/message.h) and gets one reply message per request, in order; the
// formats are in foundations/kv_store.h. A client that misbehaves must lose only
// its own connection. See handouts/01-foundations.md.
#include <iostream>

#include "foundations/kv_store.h"
#include "foundations/message.h"
#include "foundations/options.h"
#include "raftlab/todo.h"

namespace raftlab::foundations {
namespace {

int run(int argc, char** argv) {
    int port = int_flag(argc, argv, "--port", -1);
    todo("kv_server: listen on 127.0.0.1:" + std::to_string(port) + " and serve clients");
}

}  // namespace
}  // namespace raftlab::foundations

int main(int argc, char** argv) {
    try {
        return raftlab::foundations::run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "kv_server: " << e.what() << "\n";
        return 1;
    }
}
