#include "trede/mc/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "mc/finite_check.hpp"
#include "mc/spline_smoother.hpp"
#include "random/splitmix.hpp"
#include "trede/error.hpp"

namespace trede::mc {
namespace {

// Shuffles of the output whose mean score estimates what a group without effect scores.
constexpr int null_permutations = 16;

// Standard error of mean(a)/mean(b) over n paired terms by the delta method: the sd of the
// influence values (a_j − r·b_j)/mean(b), over √n.
double ratio_se(const std::vector<double>& a, const std::vector<double>& b, double ratio, double mean_b) {
  const std::size_t n = a.size();
  if (n < 2 || mean_b <= 0.0) return std::numeric_limits<double>::quiet_NaN();
  double s = 0.0, ss = 0.0;
  for (std::size_t j = 0; j < n; ++j) s += (a[j] - ratio * b[j]) / mean_b;
  const double m = s / static_cast<double>(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double v = (a[j] - ratio * b[j]) / mean_b - m;
    ss += v * v;
  }
  return std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
}

}  // namespace

SobolIndices sobol_indices(const SaltelliDesign& design, std::span<const double> outputs) {
  if (outputs.size() != design.runs())
    throw Error("sobol_indices: " + std::to_string(outputs.size()) + " outputs for a design of " +
                std::to_string(design.runs()) + " runs");
  return sobol_indices(outputs, design.base_points, design.groups.size());
}

SobolIndices sobol_indices(std::span<const double> outputs, std::size_t base_points, std::size_t groups) {
  const std::size_t n = base_points;
  if (n < 2 || outputs.size() != (groups + 2) * n)
    throw Error("sobol_indices: " + std::to_string(outputs.size()) + " outputs for " + std::to_string(n) +
                " base points and " + std::to_string(groups) + " groups (need n·(groups + 2), n >= 2)");
  detail::require_finite(outputs, "sobol_indices");
  const auto A = outputs.subspan(0, n), B = outputs.subspan(n, n);
  SobolIndices s;
  s.base_points = n;
  for (std::size_t j = 0; j < n; ++j) s.mean += A[j] + B[j];
  s.mean /= 2.0 * static_cast<double>(n);
  // Per-row variance terms v_j = ((y_A − f₀)² + (y_B − f₀)²)/2; mean(v) is V̂ up to the divisor.
  std::vector<double> v(n), a(n), t(n);
  double sum_v = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    v[j] = 0.5 * ((A[j] - s.mean) * (A[j] - s.mean) + (B[j] - s.mean) * (B[j] - s.mean));
    sum_v += v[j];
  }
  s.variance = 2.0 * sum_v / (2.0 * static_cast<double>(n) - 1.0);
  if (!(s.variance > 0.0)) throw Error("sobol_indices: the output does not vary over the design (variance 0)");
  const double mean_v = sum_v / static_cast<double>(n);
  for (std::size_t g = 0; g < groups; ++g) {
    const auto AB = outputs.subspan((2 + g) * n, n);
    double sa = 0.0, st = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      a[j] = (B[j] - s.mean) * (AB[j] - A[j]);  // Saltelli et al. (2010): f(B)(f(AB) − f(A)), centred
      t[j] = 0.5 * (A[j] - AB[j]) * (A[j] - AB[j]);  // Jansen (1999): (f(A) − f(AB))²/2
      sa += a[j];
      st += t[j];
    }
    const double first = sa / static_cast<double>(n) / s.variance;
    const double total = st / static_cast<double>(n) / s.variance;
    s.first_order.push_back(first);
    s.total.push_back(total);
    // The SE uses V̂ ≈ mean(v): the ratio mean(a)/mean(v) and its influence function.
    s.first_order_se.push_back(ratio_se(a, v, sa / static_cast<double>(n) / mean_v, mean_v));
    s.total_se.push_back(ratio_se(t, v, st / static_cast<double>(n) / mean_v, mean_v));
  }
  return s;
}

FirstOrderIndices first_order_indices(ParameterDraws theta, std::span<const double> output,
                                      std::span<const std::vector<std::size_t>> groups) {
  if (output.size() != theta.draws)
    throw Error("first_order_indices: " + std::to_string(output.size()) + " outputs for " + std::to_string(theta.draws) +
                " parameter draws");
  detail::require_finite(output, "first_order_indices");
  detail::require_finite(theta.values, "first_order_indices (parameters)");
  std::vector<std::vector<std::size_t>> singles;
  if (groups.empty()) {
    for (std::size_t j = 0; j < theta.parameters; ++j) singles.push_back({j});
    groups = singles;
  }
  const std::size_t n = theta.draws;
  FirstOrderIndices out;
  double mean = 0.0;
  for (double y : output) mean += y;
  mean /= static_cast<double>(n);
  std::vector<double> b(n), a(n);
  double tss = 0.0;
  for (std::size_t d = 0; d < n; ++d) {
    b[d] = (output[d] - mean) * (output[d] - mean);
    tss += b[d];
  }
  out.variance = n > 1 ? tss / static_cast<double>(n - 1) : 0.0;
  std::vector<double> shuffled(output.begin(), output.end());
  for (std::size_t gi = 0; gi < groups.size(); ++gi) try {
    const detail::SplineSmoother smoother(theta, groups[gi]);
    // 1 − σ̂²/s² for a response: the residual variance E[Var(Y | θ_g)] over the variance of Y
    // (the adjusted R², with the residual degrees of freedom of a linear smoother,
    // D − 1 − tr(2H − H²), so that E[RSS] = σ²·dof when y does not depend on θ_g).
    const auto adjusted_r2 = [&](std::span<const double> y, std::vector<double>* residual2) {
      const detail::SplineSmoother::Fit f = smoother.fit(y, detail::SplineSmoother::Smoothing::reml);
      double rss = 0.0;
      for (std::size_t d = 0; d < n; ++d) {
        const double r2 = (y[d] - f.fitted[d]) * (y[d] - f.fitted[d]);
        if (residual2) (*residual2)[d] = r2;
        rss += r2;
      }
      const double dof = static_cast<double>(n) - 1.0 - (smoother.columns() > 0 ? 2.0 * f.edf - f.edf2 : 0.0);
      return std::pair{tss > 0.0 && dof > 0.0 ? 1.0 - (rss / dof) / (tss / static_cast<double>(n - 1)) : 0.0, f};
    };
    const auto [raw, f] = adjusted_r2(output, &a);
    // The smoothing parameter is chosen on the same y, so a group without effect is fitted a
    // little of its noise and scores slightly above 0 on average. Its expected score is that of
    // y shuffled (which breaks every link to θ_g, keeping the fit and the values): the mean over
    // `null_permutations` fixed shuffles is subtracted (Altmann et al., "Permutation importance:
    // a corrected feature importance measure", Bioinformatics 2010).
    random::SplitMix64 rng{0x5EED'F1E5'7000'0000ull + gi};
    double null_sum = 0.0, null_sumsq = 0.0;
    for (int k = 0; k < null_permutations; ++k) {
      for (std::size_t d = n; d > 1; --d) std::swap(shuffled[d - 1], shuffled[rng.next() % d]);
      const double s = adjusted_r2(shuffled, nullptr).first;
      null_sum += s, null_sumsq += s * s;
    }
    const double null_mean = null_sum / null_permutations;
    const double null_var = std::max(null_sumsq / null_permutations - null_mean * null_mean, 0.0);
    // Not truncated at 0: a group without effect scatters around 0 on both sides, so the
    // estimates of many such groups add up without bias (truncation would keep the upper half:
    // with 25 groups and 256 draws, sums of about 1.1 for an additive model whose indices sum
    // to 1).
    out.first_order.push_back(raw - null_mean);
    out.r_squared.push_back(f.r_squared());
    const double se = tss > 0.0 ? ratio_se(a, b, f.rss / tss, tss / static_cast<double>(n)) : 0.0;
    out.se.push_back(std::sqrt(se * se + null_var / null_permutations));
    out.method.push_back(smoother.description() + "; minus the mean score of " + std::to_string(null_permutations) +
                         " shuffles of the output");
  } catch (const Error& e) {  // this group's regression cannot be fitted (too few draws for it)
    const double nan = std::numeric_limits<double>::quiet_NaN();
    out.first_order.resize(gi + 1, nan), out.se.resize(gi + 1, nan), out.r_squared.resize(gi + 1, nan);
    out.method.resize(gi + 1);
    out.method[gi] = std::string("not estimated: ") + e.what();
  }
  return out;
}

}  // namespace trede::mc
