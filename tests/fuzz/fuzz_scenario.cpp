// Fuzzes the scenario loader: model::parse_scenario of arbitrary text (TOML syntax, every table
// and key of docs/scenario-format.md, `extends` of the files in models/participatiewet), and
// model::describe of every scenario it accepts.

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = trede::fuzz::as_text(data, size);
  trede::fuzz::expect_clean([&] {
    const trede::model::Scenario s =
        trede::model::parse_scenario(text, "fuzz.toml", {}, TREDE_SOURCE_DIR "/models/participatiewet");
    (void)trede::model::describe(s);
  });
  return 0;
}
