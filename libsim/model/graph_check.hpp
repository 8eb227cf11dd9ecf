#pragma once
// Structure checks of the state graph (Boost.Graph stays inside the .cpp).

#include <vector>

#include "model/load_context.hpp"
#include "trede/model/scenario.hpp"

namespace trede::model::detail {

// Reports: states no entry state can reach, non-absorbing states without a way out (no
// transitions, or only transitions whose rates are all zero). `state_lines` gives each state's
// line for messages.
void check_graph(const Scenario& s, LoadContext& ctx, const std::vector<int>& state_lines,
                 const std::vector<std::string>& state_files);

}  // namespace trede::model::detail
