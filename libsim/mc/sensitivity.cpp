#include "trede/mc/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "mc/finite_check.hpp"
#include "mc/spline_smoother.hpp"
#include "trede/error.hpp"

namespace trede::mc {
namespace {

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
  for (const auto& g : groups) {
    const detail::SplineSmoother smoother(theta, g);
    const detail::SplineSmoother::Fit f = smoother.fit(output);
    // S = 1 − σ̂²/s²: the residual variance E[Var(Y | θ_g)] over the variance of Y (the adjusted
    // R²). Its smoothing bias is of second order in the shrinkage, where ‖f̂ − ȳ‖²/‖y − ȳ‖²
    // would lose twice the shrinkage and gain the fitted noise.
    double rss = 0.0;
    for (std::size_t d = 0; d < n; ++d) {
      a[d] = (output[d] - f.fitted[d]) * (output[d] - f.fitted[d]);
      rss += a[d];
    }
    const double dof = static_cast<double>(n) - 1.0 - (smoother.columns() > 0 ? f.edf : 0.0);
    const double unexplained = tss > 0.0 && dof > 0.0 ? (rss / dof) / (tss / static_cast<double>(n - 1)) : 1.0;
    out.first_order.push_back(std::max(1.0 - unexplained, 0.0));
    out.r_squared.push_back(f.r_squared());
    out.se.push_back(tss > 0.0 ? ratio_se(a, b, rss / tss, tss / static_cast<double>(n)) : 0.0);
    out.method.push_back(smoother.description());
  }
  return out;
}

}  // namespace trede::mc
