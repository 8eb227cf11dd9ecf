#pragma once
// Shared by the libFuzzer harnesses of tests/fuzz: what counts as a clean rejection of bad
// input, and the scenarios that CSV, target and key-path inputs are read against.
//
// The promise under test (docs/reliability.md): whatever the bytes, a reader either returns or
// throws trede::ModelError / trede::IoError saying what is wrong. Anything else — another
// exception, a sanitizer report, an assertion, a hang, running out of memory — is a finding:
// an exception other than those two is uncaught, std::terminate aborts, and libFuzzer keeps the
// input as crash-<sha1>.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "trede/error.hpp"
#include "trede/model/load.hpp"
#include "trede/model/scenario.hpp"

namespace trede::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Stops the run with `what` (libFuzzer keeps the input that led here).
[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz finding: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// With TREDE_FUZZ_VERBOSE set in the environment, the messages of rejected inputs are printed
// (to see what a seed or a reproduced input does).
inline bool verbose() {
  static const bool on = std::getenv("TREDE_FUZZ_VERBOSE") != nullptr;
  return on;
}

// Runs `read`. A ModelError must list at least one problem and say what each is; an IoError
// must say something. Every other exception propagates (and ends the run as a finding).
template <class Read>
void expect_clean(Read&& read) {
  try {
    read();
    if (verbose()) std::fprintf(stderr, "accepted\n");
  } catch (const ModelError& e) {
    if (verbose()) std::fprintf(stderr, "rejected: %s\n", e.what());
    if (e.diagnostics().empty()) fail("ModelError without a diagnostic", e.what());
    for (const Diagnostic& d : e.diagnostics())
      if (d.message.empty()) fail("ModelError with an empty message", e.what());
  } catch (const IoError& e) {
    if (verbose()) std::fprintf(stderr, "rejected (io): %s\n", e.what());
    if (std::string_view(e.what()).empty()) fail("IoError without a message", e.path());
  }
}

// A scenario of the repository, loaded once (a failure to load it is a broken harness).
inline model::Scenario load_model(const std::string& relative_path, const std::string& extra_text = "") {
  const std::string path = std::string(TREDE_SOURCE_DIR) + "/" + relative_path;
  try {
    if (extra_text.empty()) return model::load_scenario(path);
    std::string text;
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      char buf[4096];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
      std::fclose(f);
    }
    const std::string dir = path.substr(0, path.rfind('/'));
    return model::parse_scenario(text + extra_text, path, {}, dir);
  } catch (const std::exception& e) {
    fail("the harness's scenario does not load", path + ": " + e.what());
  }
}

}  // namespace trede::fuzz
