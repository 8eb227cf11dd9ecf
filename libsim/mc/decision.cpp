#include "trede/mc/decision.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "mc/finite_check.hpp"
#include "mc/psa_streams.hpp"
#include "mc/sorted_quantile.hpp"
#include "mc/value_of_information.hpp"
#include "random/philox_inline.hpp"
#include "trede/error.hpp"
#include "trede/mc/compare.hpp"

namespace trede::mc {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

void check_pair(std::span<const double> a, std::span<const double> b, const char* what) {
  if (a.size() != b.size())
    throw Error(std::string(what) + ": " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
                " values; paired draws must have the same length");
  if (a.size() < 2) throw Error(std::string(what) + ": needs at least 2 draws (got " + std::to_string(a.size()) + ")");
  detail::require_finite(a, what);
  detail::require_finite(b, what);
}

void check_level(double level, const char* what) {
  if (!(level > 0.0 && level < 1.0))
    throw Error(std::string(what) + ": the level must lie in (0, 1) (got " + std::to_string(level) + ")");
}

void check_options(OptionDraws v, const char* what) {
  if (v.options == 0 || v.draws == 0 || v.values.size() != v.options * v.draws)
    throw Error(std::string(what) + ": " + std::to_string(v.values.size()) + " values for " + std::to_string(v.options) +
                " options × " + std::to_string(v.draws) + " draws");
  detail::require_finite(v.values, what);
}

void check_same_shape(OptionDraws effect, OptionDraws cost, const char* what) {
  check_options(effect, what);
  check_options(cost, what);
  if (effect.options != cost.options || effect.draws != cost.draws)
    throw Error(std::string(what) + ": effects are " + std::to_string(effect.options) + " × " +
                std::to_string(effect.draws) + " but costs " + std::to_string(cost.options) + " × " +
                std::to_string(cost.draws));
}

double mean_of(std::span<const double> x) {
  double s = 0.0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

// The high 64 bits of the 128-bit product a·b.
std::uint64_t multiply_high(std::uint64_t a, std::uint64_t b) noexcept {
  const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
  const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

// The set of ratios c/e over the arc of directions [psi_lo, psi_hi] (angles in a plane whose
// axes are e / scale_e and c / scale_c). The ratio is (scale_c / scale_e)·tan ψ, increasing
// between vertical directions (ψ = π/2 + jπ, where e = 0 and the ratio passes through ±∞).
RatioInterval ratio_set_of_arc(double psi_lo, double psi_hi, double scale_e, double scale_c) {
  const double pi = std::numbers::pi;
  const double verticals = std::floor((psi_hi - pi / 2.0) / pi) - std::ceil((psi_lo - pi / 2.0) / pi) + 1.0;
  const double r_lo = scale_c / scale_e * std::tan(psi_lo);
  const double r_hi = scale_c / scale_e * std::tan(psi_hi);
  if (verticals <= 0.0) return {RatioInterval::Kind::bounded, r_lo, r_hi};
  if (verticals == 1.0 && r_hi < r_lo) return {RatioInterval::Kind::exclusive, r_hi, r_lo};
  return {RatioInterval::Kind::unbounded, -inf, inf};
}

}  // namespace

DrawDifference draw_difference(std::span<const double> option, std::span<const double> reference, double level) {
  check_pair(option, reference, "draw_difference");
  check_level(level, "draw_difference");
  const std::size_t n = option.size();
  std::vector<double> x(n);
  for (std::size_t d = 0; d < n; ++d) x[d] = option[d] - reference[d];
  DrawDifference r;
  r.draws = n;
  r.mean = mean_of(x);
  double ss = 0.0, positive = 0.0;
  for (double v : x) {
    ss += (v - r.mean) * (v - r.mean);
    positive += v > 0.0 ? 1.0 : v == 0.0 ? 0.5 : 0.0;
  }
  r.sd = std::sqrt(ss / static_cast<double>(n - 1));
  r.se = r.sd / std::sqrt(static_cast<double>(n));
  const double t = student_t_quantile(0.5 + level / 2.0, static_cast<double>(n - 1));
  r.lower = r.mean - t * r.se;
  r.upper = r.mean + t * r.se;
  std::sort(x.begin(), x.end());
  r.q_lower = detail::quantile_sorted(x, (1.0 - level) / 2.0);
  r.q_upper = detail::quantile_sorted(x, (1.0 + level) / 2.0);
  r.probability_positive = positive / static_cast<double>(n);
  return r;
}

RatioInterval fieller_interval(double a, double b, double var_a, double var_b, double cov_ab, double t) {
  const double t2 = t * t;
  const double A = b * b - t2 * var_b;
  const double B = a * b - t2 * cov_ab;
  const double C = a * a - t2 * var_a;
  const double disc = B * B - A * C;
  if (A > 0.0) {
    // At ρ = a/b the quadratic is <= 0, so with A > 0 it has real roots (disc >= 0 up to rounding).
    const double root = std::sqrt(std::max(disc, 0.0));
    return {RatioInterval::Kind::bounded, (B - root) / A, (B + root) / A};
  }
  if (A < 0.0 && disc > 0.0) {
    const double root = std::sqrt(disc);
    const double r1 = (B + root) / A, r2 = (B - root) / A;
    return {RatioInterval::Kind::exclusive, std::min(r1, r2), std::max(r1, r2)};
  }
  return {RatioInterval::Kind::unbounded, -inf, inf};
}

IncrementalRatio incremental_ratio(std::span<const double> effect, std::span<const double> effect_reference,
                                   std::span<const double> cost, std::span<const double> cost_reference,
                                   const IncrementalRatioOptions& options) {
  check_pair(effect, effect_reference, "incremental_ratio");
  check_pair(cost, cost_reference, "incremental_ratio");
  check_pair(effect, cost, "incremental_ratio");
  check_level(options.level, "incremental_ratio");
  const std::size_t n = effect.size();
  const double N = static_cast<double>(n);
  std::vector<double> de(n), dc(n);
  for (std::size_t d = 0; d < n; ++d) {
    de[d] = effect[d] - effect_reference[d];
    dc[d] = cost[d] - cost_reference[d];
  }
  IncrementalRatio r;
  r.draws = n;
  r.delta_effect = mean_of(de);
  r.delta_cost = mean_of(dc);
  double vee = 0.0, vcc = 0.0, vec = 0.0;
  for (std::size_t d = 0; d < n; ++d) {
    const double e = de[d] - r.delta_effect, c = dc[d] - r.delta_cost;
    vee += e * e, vcc += c * c, vec += e * c;
  }
  vee /= N - 1.0, vcc /= N - 1.0, vec /= N - 1.0;
  r.se_effect = std::sqrt(vee / N);
  r.se_cost = std::sqrt(vcc / N);
  r.correlation = vee > 0.0 && vcc > 0.0 ? vec / std::sqrt(vee * vcc) : 0.0;
  r.ratio = r.delta_effect != 0.0 ? r.delta_cost / r.delta_effect : (r.delta_cost == 0.0 ? nan : std::copysign(inf, r.delta_cost));
  const double t = student_t_quantile(0.5 + options.level / 2.0, N - 1.0);
  r.fieller = fieller_interval(r.delta_cost, r.delta_effect, vcc / N, vee / N, vec / N, t);

  r.bootstrap = {RatioInterval::Kind::unbounded, -inf, inf};
  const std::size_t B = options.bootstrap_resamples;
  if (B == 0) return r;
  // Directions are measured in standardised axes (any positive scaling gives the same set).
  const double scale_e = vee > 0.0 ? std::sqrt(vee) : 1.0;
  const double scale_c = vcc > 0.0 ? std::sqrt(vcc) : 1.0;
  const double estimate = std::atan2(r.delta_cost / scale_c, r.delta_effect / scale_e);
  const random::StreamKey key{options.seed, 0};
  std::vector<double> angle(B);
  std::size_t sign_change = 0;
  for (std::size_t b = 0; b < B; ++b) {
    double se = 0.0, sc = 0.0;
    // Resample b draws its indices from Philox stream b, four 64-bit words (indices) per block;
    // an index is the high word of word·n (Lemire's multiply-shift, bias < n / 2^64).
    for (std::size_t i = 0; i < n; i += 4) {
      const auto w = random::detail::philox(key, b, i / 4, random::Purpose::design, psa_stream::bootstrap);
      for (std::size_t j = 0; j < 4 && i + j < n; ++j) {
        const auto idx = static_cast<std::size_t>(multiply_high(w[j], n));
        se += de[idx];
        sc += dc[idx];
      }
    }
    se /= N, sc /= N;
    if (!(se * r.delta_effect > 0.0)) ++sign_change;
    angle[b] = std::remainder(std::atan2(sc / scale_c, se / scale_e) - estimate, 2.0 * std::numbers::pi);
  }
  r.bootstrap_sign_change = static_cast<double>(sign_change) / static_cast<double>(B);
  std::sort(angle.begin(), angle.end());
  const double lo = detail::quantile_sorted(angle, (1.0 - options.level) / 2.0);
  const double hi = detail::quantile_sorted(angle, (1.0 + options.level) / 2.0);
  r.bootstrap = ratio_set_of_arc(estimate + lo, estimate + hi, scale_e, scale_c);
  return r;
}

std::vector<double> probability_best(OptionDraws values, bool higher_is_better) {
  check_options(values, "probability_best");
  const std::size_t K = values.options, D = values.draws;
  std::vector<double> p(K, 0.0);
  for (std::size_t d = 0; d < D; ++d) {
    double best = values.at(0, d);
    std::size_t ties = 1;
    for (std::size_t k = 1; k < K; ++k) {
      const double v = values.at(k, d);
      if (higher_is_better ? v > best : v < best)
        best = v, ties = 1;
      else if (v == best)
        ++ties;
    }
    const double share = 1.0 / static_cast<double>(ties);
    for (std::size_t k = 0; k < K; ++k)
      if (values.at(k, d) == best) p[k] += share;
  }
  for (double& x : p) x /= static_cast<double>(D);
  return p;
}

std::vector<double> net_benefit(OptionDraws effect, OptionDraws cost, double lambda) {
  check_same_shape(effect, cost, "net_benefit");
  std::vector<double> nb(effect.values.size());
  for (std::size_t i = 0; i < nb.size(); ++i) nb[i] = lambda * effect.values[i] - cost.values[i];
  return nb;
}

Evpi evpi(OptionDraws net_benefit) {
  check_options(net_benefit, "evpi");
  std::vector<double> scratch;
  const auto g = [&](std::size_t k, std::size_t d) { return net_benefit.at(k, d) - net_benefit.at(0, d); };
  const detail::ExpectedGain e = detail::expected_gain(net_benefit.options, net_benefit.draws, g, scratch);
  return {e.value, e.se, e.best};
}

Acceptability acceptability(OptionDraws effect, OptionDraws cost, std::span<const double> lambda) {
  check_same_shape(effect, cost, "acceptability");
  const std::size_t K = effect.options, D = effect.draws, L = lambda.size();
  Acceptability a;
  a.options = K;
  a.lambda.assign(lambda.begin(), lambda.end());
  a.probability.assign(K * L, 0.0);
  a.expected_net_benefit.assign(K * L, 0.0);
  a.frontier_option.assign(L, 0);
  a.frontier_probability.assign(L, 0.0);
  a.evpi.assign(L, 0.0);
  a.evpi_se.assign(L, 0.0);
  // Increments over the reference, once: ΔE_k,d and ΔC_k,d for k >= 1.
  std::vector<double> de((K - 1) * D), dc((K - 1) * D), mean_e(K), mean_c(K);
  for (std::size_t k = 0; k < K; ++k) {
    mean_e[k] = mean_of(effect.option(k));
    mean_c[k] = mean_of(cost.option(k));
  }
  for (std::size_t k = 1; k < K; ++k)
    for (std::size_t d = 0; d < D; ++d) {
      de[(k - 1) * D + d] = effect.at(k, d) - effect.at(0, d);
      dc[(k - 1) * D + d] = cost.at(k, d) - cost.at(0, d);
    }
  std::vector<double> scratch, g(K);
  for (std::size_t l = 0; l < L; ++l) {
    const double lam = lambda[l];
    for (std::size_t k = 0; k < K; ++k) a.expected_net_benefit[k * L + l] = lam * mean_e[k] - mean_c[k];
    for (std::size_t d = 0; d < D; ++d) {
      g[0] = 0.0;
      double best = 0.0;
      for (std::size_t k = 1; k < K; ++k) {
        g[k] = lam * de[(k - 1) * D + d] - dc[(k - 1) * D + d];
        best = std::max(best, g[k]);
      }
      std::size_t ties = 0;
      for (std::size_t k = 0; k < K; ++k) ties += g[k] == best;
      const double share = 1.0 / static_cast<double>(ties);
      for (std::size_t k = 0; k < K; ++k)
        if (g[k] == best) a.probability[k * L + l] += share;
    }
    for (std::size_t k = 0; k < K; ++k) a.probability[k * L + l] /= static_cast<double>(D);
    const auto inb = [&](std::size_t k, std::size_t d) { return lam * de[(k - 1) * D + d] - dc[(k - 1) * D + d]; };
    const detail::ExpectedGain e = detail::expected_gain(K, D, inb, scratch);
    a.evpi[l] = e.value;
    a.evpi_se[l] = e.se;
    a.frontier_option[l] = e.best;
    a.frontier_probability[l] = a.probability[e.best * L + l];
  }
  return a;
}

}  // namespace trede::mc
