// check_outputs: an output that is an input or another output, by file identity, is refused.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "trede/error.hpp"
#include "trede/io/output_guard.hpp"

namespace {

namespace fs = std::filesystem;
using trede::io::check_outputs;
using trede::io::NamedFile;

class OutputGuard : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(TREDE_BINARY_DIR) / "output_guard_test" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
    std::ofstream(dir_ / "s.toml") << "name = 's'\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string p(const std::string& name) const { return (dir_ / name).string(); }

  // The message of the one refusal, or "" when accepted.
  static std::string refusal(const std::vector<NamedFile>& in, const std::vector<NamedFile>& out) {
    try {
      check_outputs(in, out);
      return "";
    } catch (const trede::ModelError& e) {
      EXPECT_EQ(e.diagnostics().size(), 1u) << e.what();
      return e.diagnostics().front().to_string();
    }
  }

  fs::path dir_;
};

TEST_F(OutputGuard, SameNameIsRefusedNamingBoth) {
  const auto m = refusal({{"scenario", p("s.toml")}}, {{"-o", p("s.toml")}});
  EXPECT_NE(m.find("-o: '" + p("s.toml") + "' is the same file as scenario '" + p("s.toml") + "'"), std::string::npos) << m;
}

TEST_F(OutputGuard, OtherSpellingsAndLinksAreTheSameFile) {
  fs::create_hard_link(p("s.toml"), p("hard.toml"));
  fs::create_symlink("s.toml", p("soft.toml"));
  for (const std::string& out : {p("./s.toml"), p("sub/../s.toml"), p("hard.toml"), p("soft.toml")})
    EXPECT_NE(refusal({{"scenario", p("s.toml")}}, {{"-o", out}}), "") << out;
}

TEST_F(OutputGuard, TwoNewOutputsWithOneNameAreRefused) {
  const auto m = refusal({}, {{"-o", p("fit.h5")}, {"--report", p("sub/../fit.h5")}});
  EXPECT_NE(m.find("another output"), std::string::npos) << m;
}

TEST_F(OutputGuard, NewOutputInASymlinkedDirectoryIsIdentifiedThroughIt) {
  fs::create_directory_symlink("sub", p("alias"));
  EXPECT_NE(refusal({}, {{"-o", p("alias/x.h5")}, {"--report", p("sub/x.h5")}}), "");
}

TEST_F(OutputGuard, InputInsideAnOutputDirectoryIsRefused) {
  std::ofstream(dir_ / "sub" / "in.toml") << "x";
  const auto m = refusal({{"scenario", p("sub/in.toml")}}, {{"-o", p("out.h5")}, {"parts", p("sub"), true}});
  EXPECT_NE(m.find("holds scenario"), std::string::npos) << m;
  EXPECT_EQ(refusal({{"scenario", p("s.toml")}}, {{"parts", p("sub"), true}}), "");
}

TEST_F(OutputGuard, DistinctFilesAreAccepted) {
  std::ofstream(dir_ / "old.h5") << "x";
  EXPECT_EQ(refusal({{"scenario", p("s.toml")}}, {{"-o", p("old.h5")}, {"--report", p("new.h5")}}), "");
}

TEST_F(OutputGuard, EveryClashIsReported) {
  try {
    check_outputs({{"scenario", p("s.toml")}}, {{"-o", p("s.toml")}, {"--report", p("./s.toml")}});
    FAIL() << "accepted";
  } catch (const trede::ModelError& e) {
    EXPECT_EQ(e.diagnostics().size(), 3u) << e.what();  // each output is the input; and each other
  }
}

}  // namespace
