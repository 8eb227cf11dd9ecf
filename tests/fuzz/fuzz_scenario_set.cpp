// Fuzzes the scenario loader with `--set` overrides. The input is text: leading lines of the
// form `--set KEY=VALUE` are the overrides (in order), the rest is the scenario, e.g.
//
//   --set horizon_years=3
//   --set transition[bijstand->traject].rate=0.5
//   name = "..."
//   ...

#include <vector>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = trede::fuzz::as_text(data, size);
  constexpr std::string_view prefix = "--set ";
  std::vector<std::string> overrides;
  while (text.substr(0, prefix.size()) == prefix) {
    const std::size_t end = text.find('\n');
    overrides.emplace_back(text.substr(prefix.size(), end == std::string_view::npos ? end : end - prefix.size()));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  trede::fuzz::expect_clean([&] {
    const trede::model::Scenario s =
        trede::model::parse_scenario(text, "fuzz.toml", overrides, TREDE_SOURCE_DIR "/models/participatiewet");
    (void)trede::model::describe(s);
  });
  return 0;
}
