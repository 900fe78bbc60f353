// Fuzz target: the wire frame decoder (raftlab/wire/frame.h).
//
// Input layout: byte 0 chooses the decoder's options (bit 0: require a JSON object;
// bits 1-2: max_payload of 16 B, 256 B, 64 KiB or the default 16 MiB); byte 1 seeds
// how the rest is split into feed() calls; the rest is the byte stream as it would
// arrive from a socket.
//
// Properties checked (from the header's contract):
//   * decoding never throws, whatever the bytes and however they are split;
//   * the frames taken out, re-encoded, are exactly a prefix of the stream;
//   * an error is sticky and feed() after it does not grow the buffer;
//   * buffered() equals the bytes fed minus the bytes returned as frames;
//   * peek_type() never throws, on any payload.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "raftlab/wire/frame.h"

namespace {

using raftlab::wire::FrameDecoder;

std::size_t max_payload_for(std::uint8_t options) {
    switch ((options >> 1) & 3) {
        case 0: return 16;
        case 1: return 256;
        case 2: return 64 * 1024;
        default: return raftlab::wire::kDefaultMaxPayload;
    }
}

/// Takes out every buffered frame; appends each re-encoded frame to `decoded`.
/// Returns false once the decoder reports an error.
bool drain(FrameDecoder& decoder, std::string& decoded) {
    for (;;) {
        FrameDecoder::Result r = decoder.next();
        if (r.status == FrameDecoder::Status::need_more) return true;
        if (r.status == FrameDecoder::Status::error) {
            FUZZ_EXPECT(decoder.failed() && !r.error.empty() && r.error == decoder.error(),
                        "an error result carries the decoder's sticky error text");
            return false;
        }
        (void)raftlab::wire::peek_type(r.payload);
        raftlab::wire::append_frame(decoded, r.payload);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t options = data[0];
    std::uint32_t split_state = data[1] | 1u;
    std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

    FrameDecoder decoder(max_payload_for(options), (options & 1) != 0);
    std::string decoded;
    std::size_t fed = 0;
    bool healthy = true;
    while (fed < stream.size() && healthy) {
        split_state = split_state * 1103515245u + 12345u;  // any split must give the same frames
        std::size_t chunk = 1 + (split_state >> 16) % 64;
        if (chunk > stream.size() - fed) chunk = stream.size() - fed;
        decoder.feed(stream.substr(fed, chunk));
        fed += chunk;
        healthy = drain(decoder, decoded);
        if (healthy) {
            FUZZ_EXPECT(decoder.buffered() == fed - decoded.size(),
                        "buffered() is the bytes fed minus the bytes taken out as frames");
        }
    }
    FUZZ_EXPECT(stream.substr(0, decoded.size()) == decoded,
                "the frames taken out, re-encoded, are a prefix of the stream");
    if (!healthy) {
        std::string error = decoder.error();
        decoder.feed(stream);
        FUZZ_EXPECT(decoder.buffered() == 0, "a failed decoder does not buffer more bytes");
        FrameDecoder::Result again = decoder.next();
        FUZZ_EXPECT(again.status == FrameDecoder::Status::error && again.error == error,
                    "errors are sticky");
    }

    // Round trip: whatever the bytes, encoding them as one payload decodes back.
    if (stream.size() <= max_payload_for(options)) {
        FrameDecoder fresh(max_payload_for(options), false);
        fresh.feed(raftlab::wire::encode_frame(stream));
        FrameDecoder::Result r = fresh.next();
        FUZZ_EXPECT(r.status == FrameDecoder::Status::frame && r.payload == stream,
                    "encode_frame then decode gives the payload back");
        FUZZ_EXPECT(fresh.buffered() == 0, "nothing is left after one whole frame");
    }
    return 0;
}
