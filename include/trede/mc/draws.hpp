#pragma once
/// \file
/// Non-owning views of per-draw PSA results, shared by the decision, value-of-information and
/// sensitivity functions. A "draw" is one paired unit: a parameter set θ_d (and, without PSA,
/// one replicate), run with the same random numbers for every option.

#include <cstddef>
#include <span>

namespace trede::mc {

/// One outcome for K options over D paired draws: `values[k·D + d]` (option-major, so each
/// option's draws are contiguous).
struct OptionDraws {
  std::span<const double> values;  ///< [K, D]
  std::size_t options = 0;         ///< K (option 0 is the reference)
  std::size_t draws = 0;           ///< D

  /// The D values of option k.
  [[nodiscard]] std::span<const double> option(std::size_t k) const { return values.subspan(k * draws, draws); }
  /// Value of option k at draw d.
  [[nodiscard]] double at(std::size_t k, std::size_t d) const { return values[k * draws + d]; }
};

/// Parameter values of D draws: `values[d·P + j]` (draw-major, as `JointDistribution::transform_all` returns).
struct ParameterDraws {
  std::span<const double> values;  ///< [D, P]
  std::size_t draws = 0;           ///< D
  std::size_t parameters = 0;      ///< P

  /// Value of parameter j at draw d.
  [[nodiscard]] double at(std::size_t d, std::size_t j) const { return values[d * parameters + j]; }
};

}  // namespace trede::mc
