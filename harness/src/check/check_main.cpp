// The main() of every lab's check binary: GoogleTest, with output kept short so the
// grader's captured log stays readable.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
