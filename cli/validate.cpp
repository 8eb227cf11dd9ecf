// trede validate: check a scenario and print what will run.

#include <iostream>
#include <memory>

#include "common.hpp"
#include "trede/model/load.hpp"

namespace trede::cli {
namespace {

struct ValidateArgs {
  std::string scenario;
  std::vector<std::string> sets;
};

const Register reg{"validate", [](CLI::App& app) {
  auto a = std::make_shared<ValidateArgs>();
  auto* sub = app.add_subcommand("validate", "Check a scenario file and print its states and transitions");
  sub->add_option("scenario", a->scenario, "Scenario file (TOML)")->required();
  sub->add_option("--set", a->sets,
                  "Override a scenario key before validation: key=value (repeatable), e.g. "
                  "--set horizon_years=20 --set 'state[beschut_werk].capacity=3000'")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->expected(1)
      ->allow_extra_args(false);
  return Runner{sub,
                [a] {
                  const auto s = model::load_scenario(a->scenario, a->sets);
                  std::cout << model::describe(s) << "OK: " << a->scenario << " is valid\n";
                  return exit_ok;
                },
                [a] { return std::vector<std::string>{a->scenario}; }};
}};

}  // namespace
}  // namespace trede::cli
