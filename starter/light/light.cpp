// light/light.cpp: the rules of your traffic light (lab 2). Read light/light.h
// first: the rules and every function's contract are there. Replace each
// raftlab::todo() with a real body. Keep it pure: no sockets, threads, clocks,
// random numbers or static variables.
#include "light/light.h"

#include "raftlab/todo.h"

namespace raftlab::light {

State initial_state() { todo("light::initial_state"); }

Step next(const State& state, Event event) { todo("light::next"); }

}  // namespace raftlab::light
