// Boost.JSON compiled into the fuzz build from its header-only source, so that the
// parser is instrumented along with raftlab's code.
#include <boost/json/src.hpp>
