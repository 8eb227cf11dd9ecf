#pragma once
// Private test hook into the panel likelihood (no Eigen in this header, so tests can use it).

#include <vector>

#include "trede/calib/data.hpp"
#include "trede/calib/markov.hpp"
#include "trede/model/scenario.hpp"

namespace trede::calib::detail {

// Log-likelihood of `data` at free parameters `theta` (CompiledSpec order: log rates, betas) and,
// when `grad` is given, its analytic gradient. `pade`: use the Padé / block-triangular path
// instead of the eigen-decomposition (the fallback for nearly defective Q).
double panel_score(const model::Scenario& scenario, const PanelData& data, const ModelSpec& spec,
                   const std::vector<double>& theta, std::vector<double>* grad, bool pade);

}  // namespace trede::calib::detail
