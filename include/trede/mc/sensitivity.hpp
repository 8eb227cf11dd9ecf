#pragma once
/// \file
/// Global sensitivity of a PSA output to its uncertain parameters: variance-based (Sobol)
/// indices. The first-order index of a group G is S_G = Var(E[Y | θ_G]) / Var(Y), the share of
/// the output's variance that fixing θ_G would remove on average; the total index is
/// S_T,G = E[Var(Y | θ_~G)] / Var(Y), the share that remains unexplained unless θ_G is known
/// (including all its interactions). Inputs must be independent across groups for the total
/// indices to have this meaning (a correlated group should be one group).

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "trede/mc/design_points.hpp"
#include "trede/mc/draws.hpp"

namespace trede::mc {

/// Sobol indices from a Saltelli pick-freeze design.
struct SobolIndices {
  std::size_t base_points = 0;        ///< n
  double mean = 0.0;                  ///< f̂₀ over A and B
  double variance = 0.0;              ///< V̂ over A and B (2n values, divisor 2n − 1)
  std::vector<double> first_order;    ///< [G] S_g, Saltelli et al. (2010) estimator
  std::vector<double> first_order_se; ///< [G] standard error (delta method over the n rows)
  std::vector<double> total;          ///< [G] S_T,g, Jansen (1999) estimator
  std::vector<double> total_se;       ///< [G]
};

/// Sobol first-order and total indices of each group of `design` from the model outputs at
/// its rows (`outputs[i]` for `design.points.point(i)`, i < design.runs()). With y centred on
/// f̂₀: S_g = (1/n) Σ_j y_B,j (y_ABg,j − y_A,j) / V̂ (Saltelli et al. 2010, their Table 2 (b))
/// and S_T,g = (1/2n) Σ_j (y_A,j − y_ABg,j)² / V̂ (Jansen 1999). Standard errors treat the n
/// rows as independent (true for random base points; conservative for a Sobol sequence).
/// \throws Error when outputs.size() != design.runs(), an output is not finite, or V̂ is 0.
[[nodiscard]] SobolIndices sobol_indices(const SaltelliDesign& design, std::span<const double> outputs);

/// The same from the layout alone: outputs [A (n), B (n), AB_0 (n), ..., AB_{G−1} (n)].
[[nodiscard]] SobolIndices sobol_indices(std::span<const double> outputs, std::size_t base_points, std::size_t groups);

/// First-order indices from plain PSA draws (no special design).
struct FirstOrderIndices {
  double variance = 0.0;              ///< Var(Y) over the draws
  std::vector<double> first_order;    ///< [G] S_g (not truncated: may be slightly below 0 for a group without effect)
  std::vector<double> se;             ///< [G] sampling standard error (the regression held fixed)
  std::vector<double> r_squared;      ///< [G] R² of the regression (S_g before the degrees-of-freedom correction)
  std::vector<std::string> method;    ///< [G] the regression used for each group
};

/// First-order indices S_g = Var(E[Y | θ_g]) / Var(Y) estimated from given draws by
/// regressing Y on each group's parameters with the penalised spline smoother of `evppi`:
/// S_g = 1 − σ̂²_g / s²_Y, with σ̂²_g = RSS / (D − 1 − tr(2H − H²)) the residual variance of the fit
/// (an estimate of E[Var(Y | θ_g)]) and s²_Y the sample variance — the regression's adjusted
/// R², not truncated at 0 (a group without effect scatters around 0 on both sides, so that sums
/// over many groups stay unbiased). Its bias from smoothing is of second order in the fit's
/// shrinkage.
/// Valid for correlated inputs too (then S_g includes what θ_g reveals about the parameters it
/// is correlated with).
/// `groups` lists column sets of `theta`; empty means one group per column. A group whose
/// regression cannot be fitted (too few draws for its parameters, an empty group, a column out
/// of range) gets NaN, and its `method` says why ("not estimated: ..."); the other groups are
/// estimated as usual (those before it exactly as without it; the shuffles of the output that
/// correct the later ones for chance continue from where it stopped).
/// \throws Error for outputs that do not match the draws or a value that is not finite.
[[nodiscard]] FirstOrderIndices first_order_indices(ParameterDraws theta, std::span<const double> output,
                                                    std::span<const std::vector<std::size_t>> groups = {});

}  // namespace trede::mc
