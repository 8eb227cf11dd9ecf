// Fuzzes the calibration targets reader (calib::parse_targets, `trede calibrate --targets`):
// JSON text checked against two scenarios, the calibration example (ladder4) and the
// Groningen instance of the Participatiewet model (states, flow edges, report times).

#include "fuzz_support.hpp"
#include "trede/calib/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const trede::model::Scenario ladder = trede::fuzz::load_model("models/calibration/ladder4.toml");
  static const trede::model::Scenario groningen = trede::fuzz::load_model("models/participatiewet/groningen.toml");
  const std::string text(trede::fuzz::as_text(data, size));
  trede::fuzz::expect_clean([&] { (void)trede::calib::parse_targets(text, "fuzz.json", ladder); });
  trede::fuzz::expect_clean([&] { (void)trede::calib::parse_targets(text, "fuzz.json", groningen); });
  return 0;
}
