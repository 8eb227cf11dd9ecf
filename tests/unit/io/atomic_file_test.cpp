// PendingFile and commit_all: an output appears complete or not at all; several outputs are
// committed together (all or none); temporaries of dead processes are found and removed.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "trede/error.hpp"
#include "trede/io/atomic_file.hpp"

namespace {

namespace fs = std::filesystem;
using trede::io::PendingFile;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(TREDE_BINARY_DIR) / "atomic_file_test" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void put(const std::string& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

  std::vector<std::string> temporaries() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) v.push_back(e.path().filename().string());
    return v;
  }

  // Commits one.txt and two.txt together, where two.txt became a non-empty directory after its
  // temporary was made, so that its rename fails after one.txt's succeeded.
  void commit_with_failing_second() {
    PendingFile one(path("one.txt")), two(path("two.txt"));
    one.write("new one");
    two.write("new two");
    fs::create_directory(path("two.txt"));
    put(path("two.txt") + "/keep", "x");
    PendingFile* files[] = {&one, &two};
    trede::io::commit_all(files);
  }

  fs::path dir_;
};

TEST_F(AtomicFile, OutputAppearsOnlyWhenCommitted) {
  put(path("out.txt"), "old");
  {
    PendingFile f(path("out.txt"));
    EXPECT_EQ(f.temporary().rfind(path("out.txt") + ".tmp-" + std::to_string(::getpid()) + "-", 0), 0u)
        << f.temporary();
    f.write("new contents");
    EXPECT_EQ(read(path("out.txt")), "old");
    EXPECT_EQ(temporaries().size(), 1u);
    f.commit();
  }
  EXPECT_EQ(read(path("out.txt")), "new contents");
  EXPECT_TRUE(temporaries().empty());
  EXPECT_TRUE(trede::io::committed_any());
}

TEST_F(AtomicFile, AbandonedFileLeavesNothingAndKeepsTheOld) {
  put(path("out.txt"), "old");
  {
    PendingFile f(path("out.txt"));
    f.write("half");
  }  // an exception unwinding past it, for example
  EXPECT_EQ(read(path("out.txt")), "old");
  EXPECT_TRUE(temporaries().empty());
}

TEST_F(AtomicFile, RemovePendingFilesDeletesUncommittedTemporaries) {
  PendingFile a(path("a.txt")), b(path("b.txt"));
  a.write("x");
  EXPECT_EQ(temporaries().size(), 2u);
  EXPECT_EQ(trede::io::remove_pending_files(), 2);  // what a signal handler does
  EXPECT_TRUE(temporaries().empty());
}

TEST_F(AtomicFile, CommitAllRestoresTheFirstWhenTheSecondCannotBeRenamed) {
  put(path("one.txt"), "old one");
  EXPECT_THROW(commit_with_failing_second(), trede::IoError);
  EXPECT_EQ(read(path("one.txt")), "old one");  // the first is back as it was
  EXPECT_TRUE(fs::is_directory(path("two.txt")));
  EXPECT_TRUE(temporaries().empty());
}

TEST_F(AtomicFile, CommitAllRemovesANewFirstFileWhenTheSecondFails) {
  EXPECT_THROW(commit_with_failing_second(), trede::IoError);
  EXPECT_FALSE(fs::exists(path("one.txt")));  // it did not exist before: neither output is there
  EXPECT_TRUE(temporaries().empty());
}

TEST_F(AtomicFile, CommitAllWritesEveryOutput) {
  put(path("one.txt"), "old one");
  PendingFile one(path("one.txt")), two(path("two.txt"));
  one.write("new one");
  two.write("new two");
  PendingFile* files[] = {&one, &two};
  trede::io::commit_all(files);
  EXPECT_EQ(read(path("one.txt")), "new one");
  EXPECT_EQ(read(path("two.txt")), "new two");
  EXPECT_TRUE(temporaries().empty());  // no backup of the old one.txt left
}

TEST_F(AtomicFile, StaleTemporariesOfDeadProcessesAreRemoved) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // a process id that no longer runs
  const std::string dead = path("out.h5") + ".tmp-" + std::to_string(child) + "-3";
  const std::string old_style = path("out.h5") + ".tmp-" + std::to_string(child);
  const std::string mine = path("out.h5") + ".tmp-" + std::to_string(::getpid()) + "-999";
  const std::string other = path("out.h5") + ".tmp-notapid";
  for (const auto& p : {dead, old_style, mine, other}) put(p, "x");
  auto removed = trede::io::remove_stale_temporaries(path("out.h5"));
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{old_style, dead}));
  EXPECT_TRUE(fs::exists(mine));   // this process is alive
  EXPECT_TRUE(fs::exists(other));  // not a temporary of ours
}

TEST_F(AtomicFile, RefusesADirectoryAndAMissingDirectory) {
  fs::create_directory(path("d"));
  EXPECT_THROW(PendingFile(path("d")), trede::IoError);
  EXPECT_THROW(PendingFile(path("missing/out.h5")), trede::IoError);
}

}  // namespace
