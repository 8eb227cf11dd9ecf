#pragma once
/// \file
/// Splitting the variance of an outcome over a PSA into its parameter and Monte Carlo parts:
/// Var(Y) = Var_θ(E[Y | θ]) + E_θ[Var(Y | θ)], estimated from D parameter draws with R
/// replicates each by the one-way random-effects analysis of variance.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace trede::mc {

/// The variance of one outcome split into its sources (see `variance_split`).
struct VarianceSplit {
  std::size_t draws = 0;       ///< D
  std::size_t replicates = 0;  ///< R per draw
  double mean = 0.0;           ///< grand mean ȳ
  double mean_se = 0.0;        ///< standard error of ȳ, sqrt(MSB / (D R))
  double parameter = 0.0;      ///< Var_θ(E[Y|θ]) = max(0, (MSB − MSW) / R)
  double parameter_raw = 0.0;  ///< (MSB − MSW) / R before truncation (unbiased, may be < 0)
  double monte_carlo = 0.0;    ///< E_θ[Var(Y|θ)] = MSW
  double total = 0.0;          ///< parameter + monte_carlo: the variance of one run's outcome
  double parameter_share = 0.0;  ///< parameter / total (0 when total is 0)
  double parameter_se = 0.0;     ///< jackknife (over draws) standard error of parameter_raw
  double monte_carlo_se = 0.0;   ///< jackknife standard error of monte_carlo
  double share_se = 0.0;         ///< jackknife standard error of parameter_share
  double parameter_lower = 0.0;  ///< interval parameter ± z·se, truncated at 0
  double parameter_upper = 0.0;
  double monte_carlo_lower = 0.0;  ///< interval monte_carlo ± z·se, truncated at 0
  double monte_carlo_upper = 0.0;
};

/// A column of the variance splits of a PSA result file: `/variance/kpi/<name>`, one value per
/// KPI. The writer, `trede info` and the Python API (`Psa.variance()`) take the columns from
/// this list, in its order.
struct VarianceColumn {
  const char* name;
  double VarianceSplit::*field;
};
[[nodiscard]] std::span<const VarianceColumn> variance_columns() noexcept;

/// What `trede run --draws` and `trede info` show of a split (`variance_shown_title`): the
/// parameter part's share with the half-width of its 95 % interval (1.96 jackknife standard
/// errors), and the standard deviation of one run's outcome with those of its two parts. The
/// report and the export draw the interval as share ± half-width cut to [0, 1] (share_lower,
/// share_upper).
struct VarianceShown {
  double parameter_share = 0.0;
  double share_halfwidth = 0.0;
  double sd = 0.0;
  double sd_parameter = 0.0;
  double sd_monte_carlo = 0.0;
  double share_lower = 0.0;
  double share_upper = 0.0;
};
[[nodiscard]] VarianceShown shown(const VarianceSplit& v) noexcept;
/// The titles of the KPI summary that `trede run` and `trede info` print: of a run's replicates,
/// and of a PSA's draws and replicates together.
inline constexpr const char* kpi_summary_title = "KPIs per replicate: mean [5%, 95%]";
inline constexpr const char* psa_kpi_summary_title =
    "KPIs over every draw and replicate (parameter and Monte Carlo uncertainty): mean [5%, 95%]";
/// What `trede run --draws` and `trede info` say instead of the split when a PSA has one
/// replicate per draw, and after it when its draws share their streams (docs/uncertainty.md §7).
inline constexpr const char* variance_not_split_note =
    "(one replicate per draw: the variance is not split into parameter and Monte Carlo parts; use -n 2 or more)";
[[nodiscard]] std::string common_streams_caveat(std::uint64_t replicates_per_draw);
inline constexpr const char* variance_shown_title =
    "variance of each KPI: the parameter part's share of it (+/- the half-width of its 95% interval), and the "
    "standard deviation split into its parameter and Monte Carlo parts";

/// One-way ANOVA estimator of the variance components of `values`, row-major [D, R] (draw d,
/// replicate r). With ȳ_d the mean of draw d:
/// MSW = Σ_d Σ_r (y_dr − ȳ_d)² / (D(R − 1)) estimates E_θ[Var(Y|θ)];
/// MSB = R Σ_d (ȳ_d − ȳ)² / (D − 1) has expectation R·Var_θ(E[Y|θ]) + E_θ[Var(Y|θ)].
/// Both are unbiased whatever the distributions (a balanced design), including a Monte Carlo
/// variance that changes with θ. Standard errors are the delete-one-draw jackknife's, which
/// needs neither normality nor equal within-draw variances; intervals are estimate ± z·SE at
/// `confidence` (normal approximation), truncated at 0.
/// \throws Error when D < 2, R < 2, values.size() != D·R or a value is not finite.
[[nodiscard]] VarianceSplit variance_split(std::span<const double> values, std::size_t draws, std::size_t replicates,
                                           double confidence = 0.95);

/// The same split when the replicates are *crossed* with the draws: replicate r of every draw
/// used the same random streams (common random numbers across draws), so the table [D, R] has
/// a draw effect, a stream effect shared by all draws, and their interaction. The one-way
/// parameter part would then be biased by −σ²_stream / R; here, with MSA (draws), MSE (the
/// residual of the two-way analysis of variance without replication) and MSW (within draws),
/// Var_θ(E[Y|θ]) = (MSA − MSE)/R and E_θ[Var(Y|θ)] = MSW, both unbiased. The Monte Carlo part
/// rests on the R shared streams only, and its jackknife interval (over draws) is too narrow:
/// independent streams per draw (`variance_split`) estimate it far better.
/// \throws Error when D < 3, R < 2, the size is wrong or a value is not finite.
[[nodiscard]] VarianceSplit variance_split_crossed(std::span<const double> values, std::size_t draws,
                                                   std::size_t replicates, double confidence = 0.95);

}  // namespace trede::mc
