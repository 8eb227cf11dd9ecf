#pragma once
/// \file
/// The library's own distribution functions. Every random variate in trede is drawn by
/// inversion of one uniform through these functions, never through `<random>` distributions
/// (which differ between standard libraries), so results are reproducible everywhere and
/// common random numbers stay aligned between scenarios.

namespace trede::random {

/// Natural logarithm of x in (0, 1], below 1 ulp from the exact value and the same on every
/// IEEE platform (own code, not the C library's). −log_unit(U) with U uniform on (0, 1] is the
/// standard exponential variate the engine draws by inversion.
[[nodiscard]] double log_unit(double x) noexcept;

/// Standard normal cumulative distribution function Φ(z).
[[nodiscard]] double normal_cdf(double z) noexcept;
/// Standard normal upper tail 1 - Φ(z), accurate far into the tail.
[[nodiscard]] double normal_sf(double z) noexcept;
/// Standard normal quantile Φ⁻¹(p) for p in (0, 1); ±infinity at 0 and 1. Relative accuracy
/// about 1e-15 (rational start refined by one Halley step; below 1e-300 through log space).
[[nodiscard]] double normal_quantile(double p) noexcept;
/// log Φ(z), accurate far into the lower tail (no underflow).
[[nodiscard]] double normal_log_cdf(double z) noexcept;
/// Φ⁻¹(exp(log_p)) for log_p <= 0, for probabilities too small for a double.
[[nodiscard]] double normal_quantile_log(double log_p) noexcept;

/// Regularised lower incomplete gamma function P(a, x), a > 0, x >= 0.
[[nodiscard]] double gamma_p(double a, double x) noexcept;
/// Regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), accurate in the tail.
[[nodiscard]] double gamma_q(double a, double x) noexcept;
/// The x >= 0 with Q(a, x) = q, for q in [0, 1] (infinity at q = 0, 0 at q = 1).
[[nodiscard]] double gamma_q_inverse(double a, double q) noexcept;
/// log Q(a, x), accurate where Q itself underflows.
[[nodiscard]] double gamma_log_q(double a, double x) noexcept;
/// The x >= 0 with log Q(a, x) = log_q, for log_q <= 0 (infinity at -infinity).
[[nodiscard]] double gamma_q_inverse_log(double a, double log_q) noexcept;

}  // namespace trede::random
