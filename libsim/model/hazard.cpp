#include <algorithm>
#include <cmath>
#include <limits>

#include "model/hazard_math.hpp"
#include "trede/random/distributions.hpp"

namespace trede::model {
namespace detail {
namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
}

double cumulative_hazard(const Hazard& h, double x) noexcept {
  switch (h.kind) {
    case HazardKind::exponential:
      return x > 0.0 ? h.rate * x : 0.0;
    case HazardKind::weibull:
      return x > 0.0 ? std::pow(x / h.scale, h.shape) : 0.0;
    case HazardKind::gamma:
      return x > 0.0 ? -random::gamma_log_q(h.shape, x / h.scale) : 0.0;
    case HazardKind::lognormal:  // S(x) = Φ(-(ln x - μ)/σ)
      return x > 0.0 ? -random::normal_log_cdf(-(std::log(x) - h.meanlog) / h.sdlog) : 0.0;
    case HazardKind::fixed:
      return x >= h.duration ? infinity : 0.0;
    case HazardKind::table: {
      double H = 0.0;
      const std::size_t n = h.breaks.size();
      for (std::size_t i = 0; i < n && x > h.breaks[i]; ++i) {
        const double end = i + 1 < n ? std::min(x, h.breaks[i + 1]) : x;
        H += h.rates[i] * (end - h.breaks[i]);
      }
      return H;
    }
  }
  return nan;
}

double inverse_cumulative_hazard(const Hazard& h, double y) noexcept {
  if (y == infinity) return infinity;
  switch (h.kind) {
    case HazardKind::exponential:
      return h.rate > 0.0 ? y / h.rate : infinity;
    case HazardKind::weibull:
      return h.scale * std::pow(y, 1.0 / h.shape);
    case HazardKind::gamma:  // log Q = -y, solved in log space (no underflow of e^{-y})
      return h.scale * random::gamma_q_inverse_log(h.shape, -y);
    case HazardKind::lognormal: {
      // S(x) = e^{-y}  <=>  (ln x - μ)/σ = -Φ⁻¹(e^{-y}); the lower-tail quantile keeps precision.
      const double z = -random::normal_quantile_log(-y);
      return std::exp(h.meanlog + h.sdlog * z);
    }
    case HazardKind::fixed:
      return h.duration;
    case HazardKind::table: {
      const std::size_t n = h.breaks.size();
      double H = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double r = h.rates[i];
        const double len = i + 1 < n ? h.breaks[i + 1] - h.breaks[i] : infinity;
        if (r > 0.0) {
          if (y - H <= r * len) return h.breaks[i] + (y - H) / r;
          H += r * len;
        }
      }
      return infinity;
    }
  }
  return nan;
}

double hazard_rate(const Hazard& h, double x) noexcept {
  switch (h.kind) {
    case HazardKind::exponential:
      return h.rate;
    case HazardKind::table: {
      double r = 0.0;
      for (std::size_t i = 0; i < h.breaks.size() && x >= h.breaks[i]; ++i) r = h.rates[i];
      return r;
    }
    default: {
      const double dx = 1e-6 * std::max(1.0, x);
      return (cumulative_hazard(h, x + dx) - cumulative_hazard(h, x)) / dx;
    }
  }
}

}  // namespace detail

namespace {

// ∫ S(t) dt and ∫ 2 t S(t) dt of a piecewise-constant hazard on the time-in-state clock.
std::pair<double, double> table_moments(const Hazard& h) {
  double m1 = 0.0, m2 = 0.0, S = 1.0;
  const std::size_t n = h.breaks.size();
  // Before breaks[0] the hazard is 0: survival stays 1.
  m1 += h.breaks[0];
  m2 += h.breaks[0] * h.breaks[0];
  for (std::size_t i = 0; i < n; ++i) {
    const double a = h.breaks[i];
    const double b = i + 1 < n ? h.breaks[i + 1] : infinity;
    const double r = h.rates[i];
    if (r == 0.0) {
      if (b == infinity) return {infinity, infinity};
      m1 += S * (b - a);
      m2 += S * (b * b - a * a);
      continue;
    }
    const double decay = b == infinity ? 0.0 : std::exp(-r * (b - a));
    m1 += S * (1.0 - decay) / r;
    const double tail_b = b == infinity ? 0.0 : (b / r + 1.0 / (r * r)) * decay;
    m2 += 2.0 * S * ((a / r + 1.0 / (r * r)) - tail_b);
    S *= decay;
  }
  return {m1, m2};
}

}  // namespace

double hazard_mean(const Hazard& h) {
  switch (h.kind) {
    case HazardKind::exponential:
      return h.rate > 0.0 ? 1.0 / h.rate : infinity;
    case HazardKind::weibull:
      return h.scale * std::tgamma(1.0 + 1.0 / h.shape);
    case HazardKind::gamma:
      return h.shape * h.scale;
    case HazardKind::lognormal:
      return std::exp(h.meanlog + 0.5 * h.sdlog * h.sdlog);
    case HazardKind::fixed:
      return h.duration;
    case HazardKind::table:
      return h.clock == Clock::time_in_state ? table_moments(h).first
                                             : std::numeric_limits<double>::quiet_NaN();
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double hazard_variance(const Hazard& h) {
  switch (h.kind) {
    case HazardKind::exponential:
      return h.rate > 0.0 ? 1.0 / (h.rate * h.rate) : infinity;
    case HazardKind::weibull: {
      const double g1 = std::tgamma(1.0 + 1.0 / h.shape);
      return h.scale * h.scale * (std::tgamma(1.0 + 2.0 / h.shape) - g1 * g1);
    }
    case HazardKind::gamma:
      return h.shape * h.scale * h.scale;
    case HazardKind::lognormal: {
      const double s2 = h.sdlog * h.sdlog;
      return (std::exp(s2) - 1.0) * std::exp(2.0 * h.meanlog + s2);
    }
    case HazardKind::fixed:
      return 0.0;
    case HazardKind::table: {
      if (h.clock != Clock::time_in_state) return std::numeric_limits<double>::quiet_NaN();
      const auto [m1, m2] = table_moments(h);
      return m1 == infinity ? infinity : m2 - m1 * m1;
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace trede::model
