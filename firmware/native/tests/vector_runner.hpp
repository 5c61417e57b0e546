// Runs one shared capture vector (tests/vectors/capture/*.txt, format in its README.md) against the C core.
// The same files run against the C# model in tests/Rig.Firmware.Tests/CaptureVectors.
#pragma once

#include <string>

namespace rig_test {

struct VectorOutcome {
    bool passed = false;
    std::string report; // what differed, with line numbers; empty when passed
};

VectorOutcome run_capture_vector(const std::string &path);

} // namespace rig_test
