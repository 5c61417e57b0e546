// Every shared capture vector (tests/vectors/capture/*.txt) against the C core; the .NET suite runs the same
// files against the C# model (tests/Rig.Firmware.Tests/CaptureVectors).
#include "vector_runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

std::vector<std::string> vector_files()
{
    std::vector<std::string> files;
    for (const auto &entry : std::filesystem::directory_iterator(RIG_VECTOR_DIR)) {
        if (entry.is_regular_file() && entry.path().extension() == ".txt") {
            files.push_back(entry.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

class CaptureVector : public testing::TestWithParam<std::string> {};

TEST_P(CaptureVector, ProducesExactlyTheExpectedRecordsAndCounters)
{
    rig_test::VectorOutcome outcome = rig_test::run_capture_vector(GetParam());
    EXPECT_TRUE(outcome.passed) << outcome.report;
}

INSTANTIATE_TEST_SUITE_P(Shared, CaptureVector, testing::ValuesIn(vector_files()),
                         [](const testing::TestParamInfo<std::string> &info) {
                             std::string name = std::filesystem::path(info.param).stem().string();
                             std::replace_if(name.begin(), name.end(), [](char c) { return !isalnum(c); }, '_');
                             return name;
                         });

TEST(CaptureVectors, AreThereToRun)
{
    EXPECT_GE(vector_files().size(), 10u) << "no shared vectors found in " << RIG_VECTOR_DIR;
}

} // namespace
