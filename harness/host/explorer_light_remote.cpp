// explorer_light_remote.cpp: the judge's side of the student's light model in the
// lab 3 host (see raftlab/host/remote_light_model.h).
#include "explorer_judge.h"
#include "explorer_protocol.h"
#include "light_judge_codec.h"
#include "raftlab/host/remote_light_model.h"
#include "raftlab/host/serve.h"

namespace raftlab::modelcheck {
namespace {
namespace p = raftlab::host::explorer;
namespace codec = raftlab::host::light_judge;
using host::HostProcess;
using host::ProtocolError;
using host::Reader;
using host::Writer;

light::State state_from(std::string_view bytes) {
    Reader r(bytes);
    light::State s = codec::read_state(r);
    r.finish();
    return s;
}

/// The judge's part of exploring the student's light: the invariants.
class LightAnswers final : public detail::Answers {
public:
    explicit LightAnswers(const std::vector<Invariant<LightModel>>& invariants) : invariants_(invariants) {}

    std::vector<std::string> initial_states() override { throw not_ours(); }
    std::vector<std::pair<std::string, std::string>> events(std::string_view) override { throw not_ours(); }
    std::string next(std::string_view, std::string_view) override { throw not_ours(); }
    std::vector<bool> holds(std::string_view state) override {
        light::State s = state_from(state);
        std::vector<bool> out;
        for (const auto& inv : invariants_) out.push_back(inv.holds(s));
        return out;
    }

private:
    static ProtocolError not_ours() { return ProtocolError("it asked the checks about the light model, which it runs itself"); }
    const std::vector<Invariant<LightModel>>& invariants_;
};

/// One call of the student's LightModel in the host.
template <class Read>
auto call(const Writer& w, const char* what, Read read) {
    HostProcess& h = detail::explorer_host();
    h.send(w);
    std::string frame = h.receive(what);
    try {
        Reader r(frame);
        host::rethrow_if_exception(r);
        auto v = read(r);
        r.finish();
        return v;
    } catch (const ProtocolError& e) {
        detail::broke_protocol(what, e);
    }
}

}  // namespace

std::vector<light::State> LightModel::initial_states() const {
    Writer w;
    w.u8(p::kLightInitialStates);
    return call(w, "LightModel::initial_states()", [](Reader& r) {
        std::uint32_t n = r.u32();
        if (n > r.left() / 7) throw ProtocolError("a list claims " + std::to_string(n) + " states");
        std::vector<light::State> out;
        for (std::uint32_t i = 0; i < n; ++i) out.push_back(codec::read_state(r));
        return out;
    });
}

std::vector<light::Event> LightModel::events(const State& s) const {
    Writer w;
    w.u8(p::kLightEvents);
    codec::write_state(w, s);
    return call(w, "LightModel::events()", [](Reader& r) {
        std::uint32_t n = r.u32();
        if (n > r.left()) throw ProtocolError("a list claims " + std::to_string(n) + " events");
        std::vector<light::Event> out;
        for (std::uint32_t i = 0; i < n; ++i) out.push_back(codec::read_event(r));
        return out;
    });
}

light::State LightModel::next(const State& s, Event e) const {
    Writer w;
    w.u8(p::kLightNext);
    codec::write_state(w, s);
    w.u8(codec::code(e));
    return call(w, "LightModel::next()", [](Reader& r) { return codec::read_state(r); });
}

Report<LightModel> explore(const LightModel&, const std::vector<Invariant<LightModel>>& invariants,
                           Options options) {
    LightAnswers answers(invariants);
    std::vector<std::string> names;
    for (const auto& inv : invariants) names.push_back(inv.name);
    std::string report = detail::explore_in_host(p::kLightModel, answers, names, options.max_states);
    try {
        return detail::read_report<LightModel>(report, codec::read_state, codec::read_event, 7, 1);
    } catch (const ProtocolError& e) {
        detail::broke_protocol("explore()", e);
    }
}

}  // namespace raftlab::modelcheck
