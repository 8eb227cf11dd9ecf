#include "trede/random/distributions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace trede::random {
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

// Continued fraction for Q(a, x) (modified Lentz), good for x >= a + 1.
double gamma_fraction(double a, double x, double log_gamma_a) {
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
  return std::exp(-x + a * std::log(x) - log_gamma_a) * h;
}

}  // namespace

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
  // ... refined by one Halley step on Φ(x) - p, which brings it to full double precision.
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2.0 * M_PI) * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
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

double gamma_q_inverse(double a, double q) noexcept {
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
