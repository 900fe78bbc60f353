// Boost.Process v2's compiled part. In Boost 1.81 the header-only mode leaves some
// symbols (process_environment::on_setup) undefined, so raftlab compiles the library
// once, here, with BOOST_PROCESS_V2_SEPARATE_COMPILATION, and every user links
// raftlab_process.
//
// Its posix/default_launcher.hpp calls asio::detail::throw_error without including
// it; with Asio compiled separately (raftlab_asio) nothing else brings it in first.
#include <boost/asio/detail/throw_error.hpp>
#include <boost/process/v2/src.hpp>
