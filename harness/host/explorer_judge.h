// explorer_judge.h: what the judge's two halves of lab 3 share (explorer_remote.cpp,
// the opaque models; explorer_light_remote.cpp, the student's light model).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "raftlab/host/process.h"
#include "raftlab/host/remote_explorer.h"

namespace raftlab::modelcheck::detail {

/// The lab 3 host, started on first use and shared by every call of a check.
host::HostProcess& explorer_host();

/// Fails the host (HostError) with "its process broke the protocol ... during `what`".
[[noreturn]] void broke_protocol(const char* what, const host::ProtocolError& e);

/// Runs the student's explore() in the host on a model of `model_kind`
/// (explorer_protocol.h), answering its questions from `answers`. Returns the
/// report as sent (read it with read_report()).
std::string explore_in_host(std::uint8_t model_kind, Answers& answers,
                            const std::vector<std::string>& invariant_names, std::size_t max_states);

}  // namespace raftlab::modelcheck::detail
