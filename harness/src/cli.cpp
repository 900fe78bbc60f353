// The command-line parse error of every tool (see raftlab/cli/parse_error.h).
#include "raftlab/cli/parse_error.h"

#include <iostream>

namespace raftlab::cli {

int parse_error_exit(const CLI::App& app, const CLI::ParseError& error, std::string_view program,
                     std::string_view help) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help: printed on stdout
    std::cerr << program << ": " << error.what() << "; see " << help << "\n";
    return 2;
}

}  // namespace raftlab::cli
