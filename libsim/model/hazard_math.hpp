#pragma once
// Cumulative hazard H(x) of each hazard family and its inverse. The engine samples every
// holding time by inversion, x = H⁻¹(H(x0) + E/m) with E ~ Exp(1), which handles time
// already spent in the state (x0), covariate and calendar multipliers (m), and redraws, exactly.

#include "trede/model/scenario.hpp"

namespace trede::model::detail {

/// H(x) for clock value x (years). 0 before the hazard starts; may be +infinity (fixed).
[[nodiscard]] double cumulative_hazard(const Hazard& h, double x) noexcept;

/// Smallest clock value x with H(x) >= y, for y >= 0; +infinity when H never reaches y.
[[nodiscard]] double inverse_cumulative_hazard(const Hazard& h, double y) noexcept;

/// Hazard rate h(x) at clock value x (for tables, the rate of the piece holding x).
[[nodiscard]] double hazard_rate(const Hazard& h, double x) noexcept;

}  // namespace trede::model::detail
