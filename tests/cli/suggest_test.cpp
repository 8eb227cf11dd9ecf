// cli/suggest: "did you mean" for unknown options and subcommands.

#include <gtest/gtest.h>

#include "suggest.hpp"

namespace {

using namespace trede::cli;

std::vector<std::string> hints(std::vector<const char*> argv) {
  CLI::App app{"test"};
  std::int64_t n = 0, seed = 0;
  auto* run = app.add_subcommand("run", "");
  run->add_option("-n,--replicates", n, "");
  run->add_option("--seed", seed, "");
  app.add_subcommand("compare", "");
  argv.insert(argv.begin(), "trede");
  return suggestions(app, static_cast<int>(argv.size()), argv.data());
}

TEST(Suggest, EditDistance) {
  EXPECT_EQ(edit_distance("replicate", "replicates"), 1u);
  EXPECT_EQ(edit_distance("sed", "seed"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Suggest, UnknownOptionGetsTheClosestWithAllItsNames) {
  EXPECT_EQ(hints({"run", "x.toml", "--replicate", "5"}),
            std::vector<std::string>{"trede run: unknown option '--replicate'; did you mean '-n/--replicates'?"});
  EXPECT_EQ(hints({"run", "x.toml", "--sed=3"}),
            std::vector<std::string>{"trede run: unknown option '--sed=3'; did you mean '--seed'?"});
}

TEST(Suggest, UnknownCommand) {
  EXPECT_EQ(hints({"rnu", "x.toml"}), std::vector<std::string>{"unknown command 'rnu'; did you mean 'run'?"});
}

TEST(Suggest, NothingCloseNothingSaid) {
  EXPECT_TRUE(hints({"run", "x.toml", "--frobnicate"}).empty());
  EXPECT_TRUE(hints({"run", "x.toml", "-n", "-3"}).empty());  // a negative number is no option
  EXPECT_TRUE(hints({"run", "x.toml", "--seed", "3"}).empty());
}

}  // namespace
