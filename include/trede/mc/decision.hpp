#pragma once
/// \file
/// Decision summaries for K options (scenarios, organisation models, policies) compared on
/// paired draws: option 0 is the reference; draw d of every option used the same parameters
/// θ_d and the same random numbers. Effects E (e.g. people reaching work) are "more is better";
/// costs C (e.g. euros) are "less is better". Net benefit at a willingness to pay λ (euros per
/// unit of effect) is NB_k(λ) = λ·E_k − C_k.
///
/// Pass one value per draw: with R replicates per parameter draw, average each draw's
/// replicates first (the replicates of one draw share θ and are not independent units), and
/// keep in mind that Monte Carlo noise left in the per-draw values widens the spread and
/// biases EVPI and the probability of being best away from their parameter-only values
/// (`variance_split` tells how much of the spread is Monte Carlo noise).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "trede/mc/draws.hpp"

namespace trede::mc {

/// Summary of the paired differences x_d = option_d − reference_d over D draws.
struct DrawDifference {
  std::size_t draws = 0;
  double mean = 0.0;   ///< mean difference
  double sd = 0.0;     ///< standard deviation of the D differences (spread over the draws)
  double se = 0.0;     ///< standard error of the mean, sd / √D
  double lower = 0.0;  ///< t-interval of the mean at the given level: mean ± t(D − 1)·se
  double upper = 0.0;
  double q_lower = 0.0;  ///< (1 − level)/2 quantile of the differences (type 7): the uncertainty interval
  double q_upper = 0.0;  ///< (1 + level)/2 quantile of the differences
  double probability_positive = 0.0;  ///< share of draws with x_d > 0 (x_d = 0 counts one half)
};

/// Paired differences `option` − `reference` (same length D >= 2). The t-interval is the
/// precision of the *expected* difference given D draws; the quantile interval is the spread
/// of the difference over parameter (and any remaining Monte Carlo) uncertainty.
/// \throws Error for different lengths, fewer than 2 draws, a value that is not finite, or a
/// level outside (0, 1).
[[nodiscard]] DrawDifference draw_difference(std::span<const double> option, std::span<const double> reference,
                                             double level = 0.95);

/// A confidence set for a ratio, which need not be an interval (Fieller 1954).
struct RatioInterval {
  enum class Kind {
    bounded,    ///< [lower, upper]
    exclusive,  ///< (−inf, lower] ∪ [upper, inf): the denominator may be 0, the ratio's sign is known only far out
    unbounded,  ///< the whole real line: the data cannot bound the ratio
  };
  Kind kind = Kind::unbounded;
  double lower = 0.0;
  double upper = 0.0;
};

/// Fieller's confidence set for ρ = μ_c / μ_e from estimates a ≈ μ_c, b ≈ μ_e with variances
/// var_a, var_b and covariance cov_ab (of the estimates themselves): the ρ with
/// (a − ρ b)² <= t² (var_a − 2ρ cov_ab + ρ² var_b). With A = b² − t² var_b,
/// B = ab − t² cov_ab, C = a² − t² var_a: bounded [(B ∓ √(B² − AC))/A] when A > 0;
/// exclusive when A < 0 < B² − AC; the whole line otherwise.
[[nodiscard]] RatioInterval fieller_interval(double a, double b, double var_a, double var_b, double cov_ab, double t);

/// Options of `incremental_ratio`.
struct IncrementalRatioOptions {
  double level = 0.95;                    ///< confidence level of both intervals
  std::size_t bootstrap_resamples = 2000; ///< 0 skips the bootstrap
  std::uint64_t seed = 0;                 ///< Philox key of the bootstrap resampling
};

/// The incremental cost per extra unit of effect of an option against the reference, as a
/// ratio of means ΔC̄ / ΔĒ, with two confidence sets for the ratio of *expected* differences.
struct IncrementalRatio {
  std::size_t draws = 0;
  double delta_effect = 0.0;  ///< ΔĒ, mean effect difference
  double delta_cost = 0.0;    ///< ΔC̄, mean cost difference
  double se_effect = 0.0;     ///< standard error of ΔĒ
  double se_cost = 0.0;       ///< standard error of ΔC̄
  double correlation = 0.0;   ///< correlation of the per-draw ΔE and ΔC
  double ratio = 0.0;         ///< ΔC̄ / ΔĒ (±inf or NaN when ΔĒ = 0)
  RatioInterval fieller;      ///< Fieller's set with t(D − 1) and the sample (co)variances of the means
  RatioInterval bootstrap;    ///< percentile set of the paired (draw) bootstrap, on the cost-effectiveness plane
  /// Share of bootstrap resamples whose ΔĒ* has the other sign than ΔĒ (or is 0): where this
  /// is not small the ratio is unstable; report net benefit instead.
  double bootstrap_sign_change = 0.0;
};

/// Incremental ratio of an option against the reference from per-draw effects and costs (all
/// of length D >= 2). The bootstrap resamples draws with replacement (pairs of ΔE, ΔC kept
/// together), takes each resample's (ΔĒ*, ΔC̄*) as a direction on the cost-effectiveness
/// plane, and cuts the central `level` share of directions around the estimate's direction;
/// the ratio's set follows from the two limiting directions (bounded when neither crosses the
/// vertical ΔE = 0, exclusive when one does, the whole line when the arc covers more).
/// Deterministic for a given seed. \throws Error for different lengths, fewer than 2 draws or a
/// value that is not finite.
[[nodiscard]] IncrementalRatio incremental_ratio(std::span<const double> effect, std::span<const double> effect_reference,
                                                 std::span<const double> cost, std::span<const double> cost_reference,
                                                 const IncrementalRatioOptions& options = {});

/// Probability that each option has the best value: the share of draws in which option k has
/// the largest value (`higher_is_better`) or the smallest; options tied for best share the
/// draw equally, so the K probabilities sum to 1. Returns [K].
/// \throws Error for a wrong shape or a value that is not finite.
[[nodiscard]] std::vector<double> probability_best(OptionDraws values, bool higher_is_better = true);

/// Net benefits NB_k,d = λ·E_k,d − C_k,d, [K, D] option-major.
/// \throws Error when effect and cost differ in shape.
[[nodiscard]] std::vector<double> net_benefit(OptionDraws effect, OptionDraws cost, double lambda);

/// Expected value of perfect information.
struct Evpi {
  double value = 0.0;           ///< E_θ[max_k NB_k] − max_k E_θ[NB_k] >= 0
  double se = 0.0;              ///< sd_d(max_k NB_k,d − NB_k*,d) / √D (k* fixed)
  std::size_t best_option = 0;  ///< k*, the option with the largest mean net benefit
};

/// EVPI from per-draw net benefits [K, D]: the mean over draws of max_k NB_k,d − NB_k*,d,
/// where k* maximises the mean (the same number as the definition, without cancellation).
/// \throws Error for no options, no draws or a value that is not finite.
[[nodiscard]] Evpi evpi(OptionDraws net_benefit);

/// Cost-effectiveness acceptability over a grid of willingness to pay.
struct Acceptability {
  std::size_t options = 0;                    ///< K
  std::vector<double> lambda;                 ///< [L] willingness to pay per unit of effect
  std::vector<double> probability;            ///< [K, L] CEAC_k(λ) = P(NB_k is the largest), ties shared
  std::vector<double> expected_net_benefit;   ///< [K, L] λ·Ē_k − C̄_k
  std::vector<std::size_t> frontier_option;   ///< [L] the option with the largest expected net benefit
  std::vector<double> frontier_probability;   ///< [L] the acceptability frontier: CEAC of that option
  std::vector<double> evpi;                   ///< [L] EVPI(λ)
  std::vector<double> evpi_se;                ///< [L]

  /// CEAC_k at grid point l.
  [[nodiscard]] double ceac(std::size_t k, std::size_t l) const { return probability[k * lambda.size() + l]; }
};

/// The cost-effectiveness acceptability curves (CEAC), the acceptability frontier (CEAF) and
/// EVPI over the grid `lambda`, from per-draw effects and costs [K, D]. Net benefits are
/// compared as increments over the reference, λ·(E_k − E_0) − (C_k − C_0), so large totals do
/// not cancel. Cost O(L·K·D), no allocation per grid point.
/// \throws Error when effect and cost differ in shape, there are no draws, or a value is not finite.
[[nodiscard]] Acceptability acceptability(OptionDraws effect, OptionDraws cost, std::span<const double> lambda);

}  // namespace trede::mc
