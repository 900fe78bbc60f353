// foundations/traffic_light.cpp: your traffic light controller (lab 1, part c).
//
//   traffic_light --display-port D --button-port B [--unit-ms U]
//
// The display and the button are separate programs (harness/light/), talking UDP
// on 127.0.0.1: send each display change as one datagram "<direction> <colour>"
// to port D ("ew G", "ns R", ...); each press arrives as one datagram "press" on
// port B, which you bind. One time unit lasts U milliseconds (default 1000). The
// rules of the light are in handouts/01-foundations.md.
//
// In lab 2 you will move the rules into light/light.cpp and this file will shrink
// to a thin driver around light::next().
#include <iostream>

#include "foundations/options.h"
#include "raftlab/todo.h"

namespace raftlab::foundations {
namespace {

int run(int argc, char** argv) {
    int display_port = int_flag(argc, argv, "--display-port", -1);
    int button_port = int_flag(argc, argv, "--button-port", -1);
    int unit_ms = int_flag(argc, argv, "--unit-ms", 1000);
    todo("traffic_light: control the light (display port " + std::to_string(display_port) +
         ", button port " + std::to_string(button_port) + ", unit " + std::to_string(unit_ms) + " ms)");
}

}  // namespace
}  // namespace raftlab::foundations

int main(int argc, char** argv) {
    try {
        return raftlab::foundations::run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "traffic_light: " << e.what() << "\n";
        return 1;
    }
}
