#include "trede/random/distributions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "random/log_inline.hpp"

namespace trede::random {

double log_unit(double x) noexcept { return detail::log_unit(x); }
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double eps = std::numeric_limits<double>::epsilon();
constexpr double tiny = std::numeric_limits<double>::min() / eps;

// Series for P(a, x), good for x < a + 1.
double gamma_series(double a, double x, double log_gamma_a) {
  double ap = a;
  double term = 1.0 / a;
  double sum = term;
  for (int i = 0; i < 100000; ++i) {
    ap += 1.0;
    term *= x / ap;
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * eps) break;
  }
  return sum * std::exp(-x + a * std::log(x) - log_gamma_a);
}

// log Q(a, x) by the continued fraction (modified Lentz), good for x >= a + 1; never underflows.
double log_gamma_fraction(double a, double x, double log_gamma_a) {
  double b = x + 1.0 - a;
  double c = 1.0 / tiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < eps) break;
  }
  return -x + a * std::log(x) - log_gamma_a + std::log(h);
}

double gamma_fraction(double a, double x, double log_gamma_a) { return std::exp(log_gamma_fraction(a, x, log_gamma_a)); }

}  // namespace

double normal_quantile_log(double log_p) noexcept;
double normal_log_cdf(double z) noexcept;
static double normal_tail_quantile(double log_p) noexcept;

double normal_cdf(double z) noexcept { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_sf(double z) noexcept { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double normal_quantile(double p) noexcept {
  if (!(p > 0.0)) return p == 0.0 ? -inf : std::numeric_limits<double>::quiet_NaN();
  if (!(p < 1.0)) return p == 1.0 ? inf : std::numeric_limits<double>::quiet_NaN();
  // Work in the lower half, where p carries full relative precision; 1 - p is exact for p >= 0.5.
  if (p > 0.5) return -normal_quantile(1.0 - p);
  // Acklam's rational approximation (relative error < 1.2e-9) ...
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00, 2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  // Below about 1e-300 the density underflows: refine in log space instead.
  if (p < 1e-300) return normal_tail_quantile(std::log(p));
  // ... refined by one Halley step on Φ(x) - p, which brings it to full double precision. Near
  // p = 1/2 the residual is formed from erf so that it does not cancel.
  const double e = p > 0.25 ? 0.5 * std::erf(x / std::sqrt(2.0)) - (p - 0.5) : normal_cdf(x) - p;
  const double u = e * std::sqrt(2.0 * M_PI) * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

double normal_log_cdf(double z) noexcept {
  if (z > -30.0) return std::log(normal_cdf(z));
  // Asymptotic series of the Mills ratio: Φ(z) = φ(z)/(-z) · (1 - 1/z² + 3/z⁴ - 15/z⁶ + 105/z⁸ ...).
  const double w = 1.0 / (z * z);
  const double series = 1.0 - w * (1.0 - 3.0 * w * (1.0 - 5.0 * w * (1.0 - 7.0 * w * (1.0 - 9.0 * w))));
  return -0.5 * z * z - std::log(-z) - 0.5 * std::log(2.0 * M_PI) + std::log(series);
}

double normal_quantile_log(double log_p) noexcept {
  if (log_p >= std::log(1e-300)) return normal_quantile(std::exp(log_p));
  return normal_tail_quantile(log_p);
}

// Φ⁻¹(exp(log_p)) for log_p below about log(1e-300). Called by both entry points; it calls
// neither, so rounding near the switch-over can never bounce between them.
static double normal_tail_quantile(double log_p) noexcept {
  if (log_p == -std::numeric_limits<double>::infinity()) return -inf;
  // Start from the leading asymptotic term, then Newton on log Φ(z) = log_p, whose derivative
  // φ(z)/Φ(z) is close to -z in this tail.
  const double t = -2.0 * log_p;
  double z = -std::sqrt(t - std::log(t) - std::log(2.0 * M_PI));
  for (int i = 0; i < 50; ++i) {
    const double f = normal_log_cdf(z) - log_p;
    const double ratio = std::exp(-0.5 * z * z - 0.5 * std::log(2.0 * M_PI) - normal_log_cdf(z));  // φ/Φ
    const double step = f / ratio;
    z -= step;
    if (std::fabs(step) < 1e-15 * std::fabs(z)) break;
  }
  return z;
}

double gamma_p(double a, double x) noexcept {
  if (x <= 0.0) return 0.0;
  if (x == inf) return 1.0;
  const double lg = std::lgamma(a);
  return x < a + 1.0 ? gamma_series(a, x, lg) : 1.0 - gamma_fraction(a, x, lg);
}

double gamma_q(double a, double x) noexcept {
  if (x <= 0.0) return 1.0;
  if (x == inf) return 0.0;
  const double lg = std::lgamma(a);
  return x < a + 1.0 ? 1.0 - gamma_series(a, x, lg) : gamma_fraction(a, x, lg);
}

static double gamma_tail_inverse(double a, double log_q) noexcept;
static double gamma_q_inverse_direct(double a, double q) noexcept;

double gamma_log_q(double a, double x) noexcept {
  if (x <= 0.0) return 0.0;
  if (x == inf) return -inf;
  const double lg = std::lgamma(a);
  return x < a + 1.0 ? std::log1p(-gamma_series(a, x, lg)) : log_gamma_fraction(a, x, lg);
}

double gamma_q_inverse_log(double a, double log_q) noexcept {
  if (log_q == -inf) return inf;
  if (!(log_q < 0.0)) return 0.0;
  if (log_q > -27.0) return gamma_q_inverse_direct(a, std::exp(log_q));
  return gamma_tail_inverse(a, log_q);
}

// The x with log Q(a, x) = log_q deep in the upper tail (log_q below about -27). Calls neither
// entry point, so rounding near the switch-over can never bounce between them.
static double gamma_tail_inverse(double a, double log_q) noexcept {
  // Deep upper tail: Newton on log Q(a, x) = log_q, where d/dx log Q = -density/Q. Start from
  // Q ≈ x^(a-1) e^(-x) / Γ(a), i.e. x = -log_q + (a - 1) log x - log Γ(a), iterated.
  const double lg = std::lgamma(a);
  double x = std::max(1.0, -log_q);
  for (int i = 0; i < 5; ++i) x = std::max(1e-300, -log_q + (a - 1.0) * std::log(x) - lg);
  x = std::max(x, a + 1.0);
  for (int i = 0; i < 100; ++i) {
    const double lq = log_gamma_fraction(a, std::max(x, a + 1.0), lg);
    const double f = lq - log_q;
    const double dlog = -std::exp((a - 1.0) * std::log(x) - x - lg - lq);  // d log Q / dx
    const double step = f / dlog;
    x -= step;
    if (std::fabs(step) < 1e-15 * x) break;
  }
  return x;
}

double gamma_q_inverse(double a, double q) noexcept {
  if (!(q > 0.0)) return inf;
  if (!(q < 1.0)) return 0.0;
  if (q < 1e-12) return gamma_tail_inverse(a, std::log(q));
  return gamma_q_inverse_direct(a, q);
}

// Halley iterations from the Numerical Recipes starting point; q not far into the tail.
static double gamma_q_inverse_direct(double a, double q) noexcept {
  if (!(q > 0.0)) return inf;
  if (!(q < 1.0)) return 0.0;
  const double p = 1.0 - q;
  const double lg = std::lgamma(a);
  // Starting point (Numerical Recipes 3rd ed., invgammp), from the smaller tail.
  double x;
  if (a > 1.0) {
    const double pp = std::min(p, q);
    const double t = std::sqrt(-2.0 * std::log(pp));
    double z = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t;
    if (p >= 0.5) z = -z;
    x = std::max(1e-3, a * std::pow(1.0 - 1.0 / (9.0 * a) - z / (3.0 * std::sqrt(a)), 3.0));
  } else {
    const double t = 1.0 - a * (0.253 + a * 0.12);
    x = p < t ? std::pow(p / t, 1.0 / a) : 1.0 - std::log(1.0 - (p - t) / (1.0 - t));
  }
  // Halley iterations on P(a, x) - p, evaluated through whichever tail is small so that the
  // residual keeps its relative precision.
  for (int i = 0; i < 200; ++i) {
    if (x <= 0.0) return 0.0;
    const double err = q < 0.5 ? q - gamma_q(a, x) : gamma_p(a, x) - p;
    const double density = std::exp((a - 1.0) * std::log(x) - x - lg);
    if (!(density > 0.0)) break;
    const double u = err / density;
    const double step = u / (1.0 - 0.5 * std::min(1.0, u * ((a - 1.0) / x - 1.0)));
    x -= step;
    if (x <= 0.0) x = 0.5 * (x + step);
    if (std::fabs(step) < 1e-14 * x) break;
  }
  return x;
}

}  // namespace trede::random
