// Fuzzes the population CSV reader ([[population]] csv = "pop.csv"; docs/scenario-format.md
// §11.2-11.3) through the public loader: the input is written to pop.csv in a scratch
// directory and a fixed scenario with an attribute of every kind reads it.

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fuzz_support.hpp"

namespace {

constexpr std::string_view scenario_text = R"(horizon_years = 5

[attributes]
age = { type = "age", default = 40 }
doelgroep = { type = "category", levels = ["geen", "beschut", "noord, oost", "zeg \"hoi\""] }
uren = { type = "number", center = 20, default = 0 }
eerdere_uitval = { type = "count", counts = ["uitval"] }

[[state]]
name = "bijstand"
trede = 2

[[state]]
name = "beschut_werk"
trede = 5
capacity = 10
waiting = "separate"

[[state]]
name = "uitval"
trede = 1

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "beschut_werk"
rate = 0.5

[[transition]]
from = "beschut_werk"
to = "exit"
rate = 0.2

[[transition]]
from = "bijstand"
to = "uitval"
rate = 0.1

[[transition]]
from = "uitval"
to = "bijstand"
rate = 0.2

[[inflow]]
state = "bijstand"
rate_per_year = 1
attributes = { doelgroep = "geen" }

[[population]]
csv = "pop.csv"
)";

struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    dir = std::filesystem::temp_directory_path() / ("trede_fuzz_population_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Scratch scratch;
  {
    std::ofstream out(scratch.dir / "pop.csv", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  trede::fuzz::expect_clean([&] {
    const trede::model::Scenario s =
        trede::model::parse_scenario(scenario_text, "fuzz.toml", {}, scratch.dir.string());
    (void)trede::model::describe(s);
  });
  return 0;
}
