// cli/progress: the bar's line fits any terminal width and counts the units of the current step.

#include <gtest/gtest.h>

#include "progress.hpp"

namespace {

using trede::cli::ProgressBar;

TEST(ProgressLine, LeavesRoomForAnEchoedCtrlC) {
  ProgressBar bar(false, "replicates");
  bar.set_step("scenario 3/5 on independent streams", 2, 9);
  bar.update(123456, 1000000);
  for (int columns = 1; columns <= 200; ++columns) {
    const std::string line = bar.line(columns, 3725.0);
    EXPECT_LE(static_cast<int>(line.size()), std::max(columns - 3, 0)) << columns << ": " << line;
  }
}

TEST(ProgressLine, NamesTheStepAndTheUnitAndEstimatesTheRest) {
  ProgressBar bar(false, "replicates");
  bar.set_step("scenario 2/5", 1, 5);
  bar.update(50, 100);
  // 1.5 of 5 steps done in 30 s: 70 s to go.
  EXPECT_EQ(bar.line(80, 30.0).substr(0, 32), "scenario 2/5, replicates 50/100 ");
  EXPECT_NE(bar.line(80, 30.0).find("30 s, eta 1 min 10 s"), std::string::npos) << bar.line(80, 30.0);
  // In 60 columns the bar gives way to the numbers.
  EXPECT_EQ(bar.line(60, 30.0), "scenario 2/5, replicates 50/100, 30 s, eta 1 min 10 s");
  EXPECT_EQ(bar.line(100, 30.0).substr(32, 7), "[######");  // 1.5 of 5 steps: 30 %
}

TEST(ProgressLine, StepsCountFromZeroAgain) {
  ProgressBar bar(false, "replicates");
  bar.update(100, 100);
  bar.set_step("scenario 2/2", 1, 2);
  EXPECT_EQ(bar.line(80, 1.0).rfind("scenario 2/2, replicates 0/100", 0), 0u) << bar.line(80, 1.0);
}

}  // namespace
