// Fuzzes the calibration data reader (calib::parse_csv, `trede calibrate --data`): long-format
// id,time,state[,covariates] rows against models/calibration/ladder4.toml with a category
// attribute added, read once without and once with covariates.

#include "fuzz_support.hpp"
#include "trede/calib/data.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const trede::model::Scenario scenario = trede::fuzz::load_model(
      "models/calibration/ladder4.toml",
      "\n[attributes.groep]\ntype = \"category\"\nlevels = [\"a\", \"b\", \"c\"]\ndefault = \"a\"\n");
  const std::string_view text = trede::fuzz::as_text(data, size);
  trede::fuzz::expect_clean([&] { (void)trede::calib::parse_csv(text, "fuzz.csv", scenario); });
  trede::fuzz::expect_clean([&] {
    const trede::calib::PanelData d = trede::calib::parse_csv(text, "fuzz.csv", scenario, {.covariates = {"age", "groep"}});
    (void)trede::calib::to_csv(d);
  });
  return 0;
}
