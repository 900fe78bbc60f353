// light_host_main.cpp: the implementation host of lab 2. It runs the student's
// traffic light (light/light.cpp) in a process of its own and answers the judge
// (light_remote.cpp) with the requests of light_protocol.h.
#include "light_host.h"

int main() {
    using namespace raftlab::host;
    return serve([](Reader& r, HostChannel& channel) {
        const std::uint8_t op = r.u8();
        if (!light_host::handle(op, r, channel)) throw ProtocolError("unknown request");
    });
}
