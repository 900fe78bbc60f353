// Boost.Asio's and Boost.Beast's compiled parts (their io_context, reactor, socket
// operations, error categories, HTTP parser and field tables), compiled once, here,
// instead of in every file that includes their headers. raftlab_asio sets
// BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION on every
// target that links it; see harness/CMakeLists.txt.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
