#pragma once
/// \file
/// Expected value of partial perfect information (EVPPI) of a group of uncertain parameters,
/// by the regression method of Strong, Oakley & Brennan (2014): the conditional expectation of
/// each option's incremental net benefit given the group, E[INB_k | θ_G], is estimated by a
/// nonparametric regression of the per-draw INB on the group's per-draw values, and
///   EVPPI = E_θG[max_k E[NB_k | θ_G]] − max_k E[NB_k]
/// is computed from the fitted values. One PSA sample serves every group; no nested
/// simulation is needed. The regression is a penalised regression spline on the normal scores
/// of the parameters' ranks (tensor product for up to 3 parameters, additive with pairwise bilinear terms for
/// larger groups), with its smoothing chosen by generalised cross-validation; see
/// docs/uncertainty-math.md for the choice and its limits.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "trede/mc/draws.hpp"

namespace trede::mc {

/// EVPPI of one parameter group over a grid of willingness to pay.
struct Evppi {
  std::vector<double> lambda;  ///< [L]
  std::vector<double> value;   ///< [L] EVPPI(λ) >= 0
  /// [L] sampling standard error sd_d(max_k ĝ_k,d − ĝ_k*,d)/√D; it leaves out the error of the
  /// regression itself, so treat it as a lower bound.
  std::vector<double> se;
  std::vector<double> evpi;    ///< [L] EVPI on the same draws (EVPPI <= EVPI up to estimation error)
  std::vector<double> r_squared_effect;  ///< [K − 1] R² of the regression of ΔE_k on the group
  std::vector<double> r_squared_cost;    ///< [K − 1] R² of the regression of ΔC_k on the group
  std::vector<double> edf_effect;        ///< [K − 1] effective degrees of freedom of those fits
  std::vector<double> edf_cost;          ///< [K − 1]
  std::string method;                    ///< the regression used, e.g. "tensor-product cubic P-spline ..."
};

/// EVPPI of the parameters `group` (column indices of `theta`) for the options' per-draw
/// effects and costs [K, D] (the same draws as `theta`'s rows), at each λ in `lambda`.
/// ΔE_k = E_k − E_0 and ΔC_k = C_k − C_0 are each regressed once on the group; since the
/// fits are linear in the response, E[INB_k(λ) | θ_G] is estimated by λ·f̂_ΔE,k − f̂_ΔC,k for
/// every λ at no further cost.
/// \throws Error for shapes that do not match, a value that is not finite, an empty group or a
/// column out of range, or too few draws for the regression (about 20 more than its basis
/// functions).
[[nodiscard]] Evppi evppi(ParameterDraws theta, std::span<const std::size_t> group, OptionDraws effect, OptionDraws cost,
                          std::span<const double> lambda);

/// EVPPI of `group` for per-draw net benefits [K, D] at one willingness to pay:
/// {value, se} as in `Evppi`.
struct EvppiValue {
  double value = 0.0;
  double se = 0.0;
};
[[nodiscard]] EvppiValue evppi(ParameterDraws theta, std::span<const std::size_t> group, OptionDraws net_benefit);

}  // namespace trede::mc
