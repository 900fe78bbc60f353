// The one HTML/XML escape (see raftlab/text/html_escape.h).
#include "raftlab/text/html_escape.h"

namespace raftlab::text {

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default:
                // XML 1.0 forbids most control characters, even escaped.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') out += '?';
                else out += c;
        }
    }
    return out;
}

}  // namespace raftlab::text
