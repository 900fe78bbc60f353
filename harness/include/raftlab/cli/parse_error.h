// raftlab/cli/parse_error.h: what every raftlab tool does when CLI11 cannot parse its
// command line, written once (library raftlab_cli, tool builds only).
#pragma once

#include <CLI/CLI.hpp>

#include <string_view>

namespace raftlab::cli {

/// The exit code of a main() whose app.parse() threw `error`. A request for help
/// (--help, --help-all) is answered by CLI11 on stdout and gives 0. Any other error is
/// one line on stderr, "PROGRAM: WHAT; see HELP" (e.g. "raftlab kv: The following
/// argument was not provided: key; see ./raftlab kv --help"), and gives 2, the usage
/// error of every raftlab command.
int parse_error_exit(const CLI::App& app, const CLI::ParseError& error, std::string_view program,
                     std::string_view help);

}  // namespace raftlab::cli
