// Fuzz target: lab 10's client and peer protocol (raftlab/kv/protocol.h).
//
// Input: the text of one frame arriving on a server's client port or peer port, or on
// a client's connection.
//
// Properties checked (from the header's contract):
//   * no decoder throws or crashes, whatever the text;
//   * each result holds exactly one of a value and an error;
//   * whatever decodes survives encode() then decode() unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "raftlab/kv/protocol.h"

namespace kv = raftlab::kv;

namespace {

template <class T>
bool one_of_value_and_error(const kv::Decoded<T>& d) {
    return d.value.has_value() != !d.error.empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    auto request = kv::decode_client_message(text);
    FUZZ_EXPECT(one_of_value_and_error(request), "client message: exactly one of value and error");
    if (request) {
        std::string again = std::visit([](const auto& m) { return kv::encode(m); }, *request.value);
        auto back = kv::decode_client_message(again);
        FUZZ_EXPECT(back && *back.value == *request.value, "a client message round-trips");
    }

    auto reply = kv::decode_server_reply(text);
    FUZZ_EXPECT(one_of_value_and_error(reply), "server reply: exactly one of value and error");
    if (reply) {
        std::string again = std::visit([](const auto& m) { return kv::encode(m); }, *reply.value);
        auto back = kv::decode_server_reply(again);
        FUZZ_EXPECT(back && *back.value == *reply.value, "a server reply round-trips");
    }

    auto command = kv::decode_command(text);
    FUZZ_EXPECT(one_of_value_and_error(command), "command: exactly one of value and error");

    auto peer = kv::decode_peer(text);
    FUZZ_EXPECT(one_of_value_and_error(peer), "peer message: exactly one of value and error");
    if (peer) {
        auto back = kv::decode_peer(kv::encode_peer(peer.value->from, peer.value->message));
        FUZZ_EXPECT(back && back.value->from == peer.value->from && back.value->message == peer.value->message,
                    "a peer message round-trips");
    }
    return 0;
}
