#pragma once
// Initial population from a CSV file of individuals.

#include <string>

#include "model/load_context.hpp"
#include "trede/model/scenario.hpp"

namespace trede::model::detail {

// Reads `path` (header: state[,time_in_state][,<attribute>...]) and appends one Individual per
// row to `out` (states and attributes are looked up in `s`). Problems name the CSV file, line and column; a file that cannot be
// opened is reported at `at` (the scenario's csv key).
void read_population_csv(const std::string& path, const Scenario& s, std::vector<Individual>& out,
                         LoadContext& ctx, const toml::node& at, const std::string& key);

}  // namespace trede::model::detail
