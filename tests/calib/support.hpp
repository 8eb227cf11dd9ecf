#pragma once
// Shared support for the calibration tests: the seed (fixed, printed, overridable with
// TREDE_TEST_SEED), scenario text helpers, temporary directories, running the CLI.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "trede/calib/data.hpp"
#include "trede/calib/fit.hpp"
#include "trede/model/load.hpp"

namespace trede::calib_test {

using namespace trede::calib;

/// The seed: TREDE_TEST_SEED when set, else `fallback`. Printed so a failure can be rerun.
inline std::uint64_t seed(std::uint64_t fallback = 20251123) {
  std::uint64_t s = fallback;
  if (const char* env = std::getenv("TREDE_TEST_SEED"); env && *env) s = std::strtoull(env, nullptr, 10);
  std::printf("seed %llu (set TREDE_TEST_SEED=%llu to reproduce)\n", static_cast<unsigned long long>(s),
              static_cast<unsigned long long>(s));
  return s;
}

inline std::string source_dir() { return TREDE_SOURCE_DIR; }
inline std::string ladder4_path() { return source_dir() + "/models/calibration/ladder4.toml"; }

/// A fresh directory under the build tree, removed first if it exists.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto p = std::filesystem::path(TREDE_BINARY_DIR) / "tests" / "calib-tmp" / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Output and exit code of a command (stderr merged into the output).
struct Command {
  int exit_code = -1;
  std::string output;
};

inline Command run(const std::string& cmd) {
  Command c;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return c;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) c.output += buf.data();
  const int status = pclose(p);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return c;
}

inline std::string cli() { return TREDE_CLI; }

/// The estimate called `name`, or fails the test.
inline const Estimate& estimate(const FitResult& r, const std::string& name) {
  for (const auto& e : r.estimates)
    if (e.name == name) return e;
  ADD_FAILURE() << "no estimate '" << name << "'";
  static Estimate none;
  return none;
}

/// The scenario's rate of transition `id` (exponential).
inline double true_rate(const model::Scenario& s, const std::string& id) {
  for (const auto& t : s.transitions)
    if (t.id == id) return t.hazard.rate;
  ADD_FAILURE() << "no transition " << id;
  return 0;
}

}  // namespace trede::calib_test
