// The wire framing (see raftlab/wire/frame.h).
#include "raftlab/wire/frame.h"

#include <boost/json.hpp>

#include <stdexcept>

namespace raftlab::wire {

void append_frame(std::string& out, std::string_view payload) {
    if (payload.size() > 0xffffffffu) {
        throw std::length_error("frame payload of " + std::to_string(payload.size()) +
                                " bytes does not fit a 4-byte length");
    }
    auto n = static_cast<std::uint32_t>(payload.size());
    char header[kHeaderSize] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                                static_cast<char>(n >> 8), static_cast<char>(n)};
    out.append(header, kHeaderSize);
    out.append(payload);
}

std::string encode_frame(std::string_view payload) {
    std::string out;
    out.reserve(kHeaderSize + payload.size());
    append_frame(out, payload);
    return out;
}

std::uint32_t read_length(std::string_view header) {
    auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(header[i])); };
    return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

std::optional<std::string> peek_type(std::string_view payload) {
    boost::json::error_code ec;
    boost::json::value value = boost::json::parse(payload, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto* type = value.as_object().if_contains("type");
    if (type == nullptr || !type->is_string()) return std::nullopt;
    return std::string(type->as_string());
}

FrameDecoder::FrameDecoder(std::size_t max_payload, bool require_json_object)
    : max_payload_(max_payload), require_json_object_(require_json_object) {}

void FrameDecoder::feed(std::string_view bytes) {
    if (failed()) return;  // a broken stream stays broken; do not grow the buffer
    buffer_.append(bytes);
}

void FrameDecoder::compact() {
    // Drop consumed bytes once they dominate the buffer, so memory stays bounded
    // by roughly one frame plus one read.
    if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
}

FrameDecoder::Result FrameDecoder::next() {
    if (failed()) return {Status::error, {}, error_};
    std::string_view rest(buffer_.data() + consumed_, buffer_.size() - consumed_);
    if (rest.size() < kHeaderSize) {
        compact();
        return {};
    }
    std::uint32_t length = read_length(rest);
    if (length > max_payload_) {
        error_ = "frame announces " + std::to_string(length) + " bytes, above the limit of " +
                 std::to_string(max_payload_) + " (not a length-prefixed stream?)";
        buffer_.clear();
        consumed_ = 0;
        return {Status::error, {}, error_};
    }
    if (rest.size() < kHeaderSize + length) {
        compact();
        return {};
    }
    std::string payload(rest.substr(kHeaderSize, length));
    consumed_ += kHeaderSize + length;
    compact();
    if (require_json_object_) {
        boost::json::error_code ec;
        boost::json::value value = boost::json::parse(payload, ec);
        if (ec || !value.is_object()) {
            error_ = ec ? "frame payload is not JSON: " + ec.message()
                        : std::string("frame payload is JSON but not an object");
            buffer_.clear();
            consumed_ = 0;
            return {Status::error, {}, error_};
        }
    }
    return {Status::frame, std::move(payload), {}};
}

}  // namespace raftlab::wire
