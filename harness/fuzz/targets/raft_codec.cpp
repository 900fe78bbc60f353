// Fuzz target: the Raft message JSON codec (raftlab/raft/codec.h).
//
// Input: the text a peer (or the fault proxy) hands to decode().
//
// Properties checked (from the header's contract):
//   * decode() never throws and never crashes, whatever the text;
//   * exactly one of `message` and `error` is set;
//   * a decoded message survives encode() then decode() unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "raftlab/raft/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    raftlab::DecodeResult result = raftlab::decode(text);
    FUZZ_EXPECT(result.message.has_value() != !result.error.empty(),
                "exactly one of message and error is set");
    if (!result) return 0;

    raftlab::DecodeResult again = raftlab::decode(raftlab::encode(*result.message));
    FUZZ_EXPECT(again.message.has_value(), "the encoding of a decoded message decodes");
    FUZZ_EXPECT(*again.message == *result.message, "encode then decode gives the same message");
    return 0;
}
