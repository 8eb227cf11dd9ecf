#pragma once
/// \file
/// Distributions of uncertain parameters for probabilistic sensitivity analysis (PSA). Every
/// value is drawn by **inversion of one uniform**: `quantile(u)` maps a point u of a design
/// (scrambled Sobol, Latin hypercube, or plain Philox uniforms) to a value, so a design point is
/// a parameter set and two scenarios given the same point get the same parameters (common
/// random numbers across scenarios). Correlated parameters are drawn together through a
/// Gaussian copula (`CorrelatedGroup`), which also covers a multivariate normal on the log scale
/// (what a calibration reports: log rates with their covariance).
///
/// Bad parameters are reported as `ModelError` diagnostics whose `key` names the offending
/// entry ("sd", "correlation[1][2]", ...) and whose `file` and `line` are empty: the scenario
/// loader knows where the table is and fills them in (prefixing the key with the parameter's
/// key path). Every problem of one distribution is reported at once.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trede::random {

/// Shape of a parameter distribution.
enum class Family : std::uint8_t {
  uniform,     ///< uniform(min, max)
  triangular,  ///< triangular(min, mode, max)
  normal,      ///< normal(mean, sd), optionally truncated to [lower, upper]
  lognormal,   ///< log X ~ normal(log median, sd_log)
  gamma,       ///< gamma(shape, scale)
  beta,        ///< beta(a, b) on (0, 1)
};

/// The name used in scenario files: "uniform", "triangular", "normal", "lognormal", "gamma", "beta".
[[nodiscard]] std::string_view family_name(Family family) noexcept;

/// An interval of the real line; an infinite end is always open.
struct Interval {
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  bool lower_open = true;
  bool upper_open = true;

  /// (-inf, inf).
  [[nodiscard]] static Interval real() noexcept { return {}; }
  /// (0, inf): rates, durations, medians.
  [[nodiscard]] static Interval positive() noexcept { return {0.0, std::numeric_limits<double>::infinity(), true, true}; }
  /// [0, inf): costs, counts, capacities.
  [[nodiscard]] static Interval non_negative() noexcept { return {0.0, std::numeric_limits<double>::infinity(), false, true}; }
  /// [0, 1]: probabilities and shares.
  [[nodiscard]] static Interval probability() noexcept { return {0.0, 1.0, false, false}; }

  /// True when x lies in the interval.
  [[nodiscard]] bool contains(double x) const noexcept;
  /// True when every point of `inner` lies in this interval.
  [[nodiscard]] bool contains(const Interval& inner) const noexcept;
  /// "(0, inf)", "[0, 1]".
  [[nodiscard]] std::string to_string() const;
};

/// A named number of a distribution table, e.g. {"sd", 0.05}.
struct NamedValue {
  std::string name;
  double value = 0.0;
};

/// The distribution of one uncertain parameter: a value type, cheap to copy.
///
/// Example: `auto leak = ParameterDistribution::beta_mean_sd(0.10, 0.05); double x = leak.quantile(u);`
class ParameterDistribution {
 public:
  /// Uniform on [min, max]. \throws ModelError unless min < max (both finite).
  [[nodiscard]] static ParameterDistribution uniform(double min, double max);
  /// Triangular on [min, max] with its peak at mode. \throws ModelError unless min <= mode <= max, min < max.
  [[nodiscard]] static ParameterDistribution triangular(double min, double mode, double max);
  /// Normal(mean, sd) truncated to [lower, upper] (infinite bounds: no truncation).
  /// \throws ModelError unless sd > 0, lower < upper and the interval holds probability > 1e-300.
  [[nodiscard]] static ParameterDistribution normal(double mean, double sd,
                                                    double lower = -std::numeric_limits<double>::infinity(),
                                                    double upper = std::numeric_limits<double>::infinity());
  /// Lognormal with median exp(μ) and sd_log σ of log X. \throws ModelError unless median > 0, sd_log > 0.
  [[nodiscard]] static ParameterDistribution lognormal(double median, double sd_log);
  /// Lognormal with the given mean and standard deviation of X (σ² = log(1 + sd²/mean²)).
  /// \throws ModelError unless mean > 0, sd > 0.
  [[nodiscard]] static ParameterDistribution lognormal_mean_sd(double mean, double sd);
  /// Gamma with shape k and scale θ (mean kθ). \throws ModelError unless shape > 0, scale > 0.
  [[nodiscard]] static ParameterDistribution gamma(double shape, double scale);
  /// Gamma with the given mean and sd (shape = mean²/sd², scale = sd²/mean). \throws ModelError unless both > 0.
  [[nodiscard]] static ParameterDistribution gamma_mean_sd(double mean, double sd);
  /// Beta(a, b) on (0, 1). \throws ModelError unless a > 0, b > 0.
  [[nodiscard]] static ParameterDistribution beta(double a, double b);
  /// Beta with the given mean and sd: ν = mean(1 − mean)/sd² − 1, a = mean·ν, b = (1 − mean)·ν.
  /// \throws ModelError unless 0 < mean < 1 and 0 < sd < sqrt(mean(1 − mean)).
  [[nodiscard]] static ParameterDistribution beta_mean_sd(double mean, double sd);

  /// The family.
  [[nodiscard]] Family family() const noexcept { return family_; }
  /// The canonical parameters: uniform {min, max}; triangular {min, mode, max}; normal {mean,
  /// sd, lower, upper}; lognormal {μ = log median, σ = sd_log}; gamma {shape, scale}; beta {a, b}.
  [[nodiscard]] std::span<const double> parameters() const noexcept;

  /// The value with P(X <= x) = u (inversion). u is clamped to [2^-53, 1 − 2^-53], so design
  /// points on the edge of [0, 1) give finite values; the result always lies in `support()`.
  [[nodiscard]] double quantile(double u) const;
  /// P(X <= x).
  [[nodiscard]] double cdf(double x) const;
  /// E[X] in closed form.
  [[nodiscard]] double mean() const noexcept;
  /// Var[X] in closed form.
  [[nodiscard]] double variance() const noexcept;
  /// The values the distribution can take (e.g. (0, inf) for lognormal and gamma, (0, 1) for beta).
  [[nodiscard]] Interval support() const noexcept;
  /// E.g. "beta(a = 3.5, b = 31.5)".
  [[nodiscard]] std::string to_string() const;

 private:
  ParameterDistribution(Family family, double p0, double p1, double p2 = 0.0, double p3 = 0.0);
  Family family_ = Family::uniform;
  double p_[4] = {0.0, 1.0, 0.0, 0.0};
  // Truncated normal: Φ or 1 − Φ at the standardised bounds, as used by quantile().
  double c_lo_ = 0.0, c_hi_ = 1.0;
  bool upper_tail_ = false;  // truncated normal entirely above the mean: work with 1 − Φ
};

/// Builds a distribution from the entries of a scenario table, e.g. dist = "beta" with
/// {{"mean", 0.1}, {"sd", 0.05}}. Accepted combinations:
/// uniform {min, max}; triangular {min, mode, max}; normal {mean, sd[, lower][, upper]};
/// lognormal {median, sd_log} or {mean, sd}; gamma {mean, sd} or {shape, scale};
/// beta {mean, sd} or {a, b}.
/// \throws ModelError listing every problem: an unknown family (with the known ones), an
/// unknown, missing or conflicting entry, or a value out of range (key = the entry's name).
[[nodiscard]] ParameterDistribution make_distribution(std::string_view family, std::span<const NamedValue> values);

/// "" when every value `distribution` can take lies in `domain` (the values a scenario key
/// accepts); otherwise a message saying what is wrong and what would fit, e.g. "a normal
/// distribution with these parameters takes values in (-inf, inf) but the key needs values in
/// [0, inf); truncate it (lower = 0) or use a lognormal or gamma distribution". Finite ends of
/// uniform, triangular and truncated normal distributions count as values they take, so they
/// do not fit an open end of a domain (a rate needs min > 0); lognormal and gamma take values
/// in (0, inf), beta in (0, 1), and `quantile` keeps every draw strictly inside.
[[nodiscard]] std::string support_problem(const ParameterDistribution& distribution, const Interval& domain);

/// Parameters drawn together: a Gaussian copula with correlation matrix R over arbitrary
/// marginals. From k independent uniforms u: z = Φ⁻¹(u), w = L z with L Lᵀ = R (Cholesky), and
/// x_i = F_i⁻¹(Φ(w_i)). The normal scores Φ⁻¹(F_i(x_i)) then have correlation R exactly, and
/// the Spearman rank correlation is (6/π) arcsin(R_ij / 2). Normal and lognormal marginals
/// skip the round trip through Φ (x = mean + sd·w, x = exp(μ + σ w)), so a group built by
/// `log_normal` is exactly a multivariate normal on the log scale.
class CorrelatedGroup {
 public:
  /// \param correlation row-major k×k: symmetric, unit diagonal, entries in [-1, 1], positive definite.
  /// \throws ModelError for fewer than one marginal, a wrongly sized or invalid matrix (key
  /// "correlation[i][j]"), or a matrix that is not positive definite (naming the first
  /// leading minor that fails).
  CorrelatedGroup(std::vector<ParameterDistribution> marginals, std::span<const double> correlation);

  /// A multivariate normal on the log scale: log X ~ N(mean_log, covariance), as a calibration
  /// reports (log rates with their covariance). Marginals are lognormal(median = exp(mean_log_i),
  /// sd_log = sqrt(covariance_ii)). \throws ModelError for a non-finite mean, a covariance that
  /// is not symmetric with positive diagonal, or not positive definite.
  [[nodiscard]] static CorrelatedGroup log_normal(std::span<const double> mean_log, std::span<const double> covariance);
  /// A multivariate normal on the natural scale: X ~ N(mean, covariance). Same checks.
  [[nodiscard]] static CorrelatedGroup normal(std::span<const double> mean, std::span<const double> covariance);

  /// Number of parameters k.
  [[nodiscard]] std::size_t size() const noexcept { return marginals_.size(); }
  /// The marginal distributions.
  [[nodiscard]] const std::vector<ParameterDistribution>& marginals() const noexcept { return marginals_; }
  /// The correlation matrix of the normal scores, row-major k×k.
  [[nodiscard]] const std::vector<double>& correlation() const noexcept { return correlation_; }

  /// Values x[0..k) for independent uniforms u[0..k) (each clamped as in `quantile`).
  /// Allocation-free. \pre u.size() == x.size() == size().
  void transform(std::span<const double> u, std::span<double> x) const;

 private:
  CorrelatedGroup() = default;
  std::vector<ParameterDistribution> marginals_;
  std::vector<double> correlation_;  // k×k
  std::vector<double> cholesky_;     // k×k lower triangle, row-major
};

/// All uncertain parameters of a scenario: independent parameters and correlated groups, in
/// the order added. Parameter j takes design coordinate j, so a design point of
/// `dimension()` uniforms is one parameter set.
class JointDistribution {
 public:
  /// Adds an independent parameter; returns its index.
  std::size_t add(ParameterDistribution distribution);
  /// Adds a correlated group; returns the index of its first parameter.
  std::size_t add(CorrelatedGroup group);

  /// Number of parameters (= design dimension).
  [[nodiscard]] std::size_t dimension() const noexcept { return dimension_; }
  /// The parameter indices of each block (an independent parameter or a correlated group), in
  /// order: the natural groups for Sobol indices and EVPPI (inside a correlated group, one
  /// parameter cannot be varied alone while the others stay fixed).
  [[nodiscard]] std::vector<std::vector<std::size_t>> blocks() const;
  /// Marginal distribution of parameter j.
  [[nodiscard]] const ParameterDistribution& marginal(std::size_t j) const;

  /// Parameter values theta[0..dimension) for one design point u[0..dimension).
  /// \pre u.size() == theta.size() == dimension().
  void transform(std::span<const double> u, std::span<double> theta) const;
  /// Parameter values for n design points, row-major [n, dimension] in and out.
  [[nodiscard]] std::vector<double> transform_all(std::span<const double> points) const;

 private:
  struct Block {
    std::size_t first = 0;
    bool grouped = false;
    std::size_t index = 0;  // into independent_ or groups_
  };
  std::vector<Block> blocks_;
  std::vector<ParameterDistribution> independent_;
  std::vector<CorrelatedGroup> groups_;
  std::vector<std::size_t> marginal_block_;  // parameter j -> block
  std::size_t dimension_ = 0;
};

}  // namespace trede::random
