// exceptions.cpp: how an exception in student code crosses to the judge (both sides).
#include <stdexcept>

#include "raftlab/host/serve.h"

namespace raftlab::host {

void write_current_exception(Writer& w) {
    try {
        throw;
    } catch (const std::out_of_range& e) {
        w.u8(static_cast<std::uint8_t>(ExceptionKind::out_of_range));
        w.str(e.what());
    } catch (const std::invalid_argument& e) {
        w.u8(static_cast<std::uint8_t>(ExceptionKind::invalid_argument));
        w.str(e.what());
    } catch (const std::exception& e) {
        w.u8(static_cast<std::uint8_t>(ExceptionKind::other));
        w.str(e.what());
    } catch (...) {
        w.u8(static_cast<std::uint8_t>(ExceptionKind::not_std));
        w.str("something that is not a std::exception was thrown");
    }
}

void raise_exception(ExceptionKind kind, const std::string& what) {
    switch (kind) {
        case ExceptionKind::out_of_range: throw std::out_of_range(what);
        case ExceptionKind::invalid_argument: throw std::invalid_argument(what);
        default: throw std::runtime_error(what);
    }
}

void rethrow_if_exception(Reader& r) {
    std::uint8_t kind = r.u8();
    if (kind == 0) return;
    if (kind > static_cast<std::uint8_t>(ExceptionKind::not_std))
        throw ProtocolError("unknown exception kind " + std::to_string(kind));
    std::string what = r.str();
    if (what.size() > 4096) what = what.substr(0, 4096) + "...";
    raise_exception(static_cast<ExceptionKind>(kind), what);
}

}  // namespace raftlab::host
