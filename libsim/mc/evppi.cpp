#include "trede/mc/evppi.hpp"

#include <algorithm>
#include <string>

#include "mc/finite_check.hpp"
#include "mc/spline_smoother.hpp"
#include "mc/value_of_information.hpp"
#include "trede/error.hpp"

namespace trede::mc {
namespace {

void check_shapes(ParameterDraws theta, OptionDraws v, const char* what) {
  if (v.options == 0 || v.values.size() != v.options * v.draws)
    throw Error(std::string("evppi: ") + std::to_string(v.values.size()) + " " + what + " for " +
                std::to_string(v.options) + " options × " + std::to_string(v.draws) + " draws");
  if (v.draws != theta.draws)
    throw Error(std::string("evppi: ") + std::to_string(v.draws) + " draws of " + what + " but " +
                std::to_string(theta.draws) + " parameter draws");
  detail::require_finite(v.values, "evppi");
  detail::require_finite(theta.values, "evppi (parameters)");
}

// The fitted E[y_k − y_0 | θ_G] for k = 1..K−1, [K − 1, D].
std::vector<double> fit_increments(const detail::SplineSmoother& s, OptionDraws v, std::vector<double>& r2,
                                   std::vector<double>& edf) {
  const std::size_t K = v.options, D = v.draws;
  std::vector<double> fitted((K - 1) * D), y(D);
  for (std::size_t k = 1; k < K; ++k) {
    for (std::size_t d = 0; d < D; ++d) y[d] = v.at(k, d) - v.at(0, d);
    const detail::SplineSmoother::Fit f = s.fit(y);
    std::copy(f.fitted.begin(), f.fitted.end(), fitted.begin() + static_cast<std::ptrdiff_t>((k - 1) * D));
    r2.push_back(f.r_squared());
    edf.push_back(f.edf);
  }
  return fitted;
}

}  // namespace

Evppi evppi(ParameterDraws theta, std::span<const std::size_t> group, OptionDraws effect, OptionDraws cost,
            std::span<const double> lambda) {
  check_shapes(theta, effect, "effects");
  check_shapes(theta, cost, "costs");
  if (effect.options != cost.options)
    throw Error("evppi: " + std::to_string(effect.options) + " options of effects but " + std::to_string(cost.options) +
                " of costs");
  const detail::SplineSmoother smoother(theta, group);
  const std::size_t K = effect.options, D = effect.draws, L = lambda.size();
  Evppi out;
  out.method = smoother.description();
  out.lambda.assign(lambda.begin(), lambda.end());
  out.value.assign(L, 0.0);
  out.se.assign(L, 0.0);
  out.evpi.assign(L, 0.0);
  const std::vector<double> fe = fit_increments(smoother, effect, out.r_squared_effect, out.edf_effect);
  const std::vector<double> fc = fit_increments(smoother, cost, out.r_squared_cost, out.edf_cost);
  std::vector<double> scratch;
  for (std::size_t l = 0; l < L; ++l) {
    const double lam = lambda[l];
    const auto fitted = [&](std::size_t k, std::size_t d) { return lam * fe[(k - 1) * D + d] - fc[(k - 1) * D + d]; };
    const detail::ExpectedGain partial = detail::expected_gain(K, D, fitted, scratch);
    out.value[l] = std::max(partial.value, 0.0);
    out.se[l] = partial.se;
    const auto raw = [&](std::size_t k, std::size_t d) {
      return lam * (effect.at(k, d) - effect.at(0, d)) - (cost.at(k, d) - cost.at(0, d));
    };
    out.evpi[l] = detail::expected_gain(K, D, raw, scratch).value;
  }
  return out;
}

EvppiValue evppi(ParameterDraws theta, std::span<const std::size_t> group, OptionDraws net_benefit) {
  check_shapes(theta, net_benefit, "net benefits");
  const detail::SplineSmoother smoother(theta, group);
  std::vector<double> r2, edf;
  const std::vector<double> f = fit_increments(smoother, net_benefit, r2, edf);
  const std::size_t D = net_benefit.draws;
  std::vector<double> scratch;
  const auto fitted = [&](std::size_t k, std::size_t d) { return f[(k - 1) * D + d]; };
  const detail::ExpectedGain g = detail::expected_gain(net_benefit.options, D, fitted, scratch);
  return {std::max(g.value, 0.0), g.se};
}

}  // namespace trede::mc
