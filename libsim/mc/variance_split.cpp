#include "trede/mc/variance_split.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "mc/finite_check.hpp"
#include "trede/error.hpp"
#include "trede/random/distributions.hpp"

namespace trede::mc {
namespace {

struct Components {
  double parameter_raw = 0.0;
  double monte_carlo = 0.0;
  double share = 0.0;
};

// The parts' estimates and the parameter share they give: max(parameter, 0) over the total.
Components from_parts(double parameter_raw, double monte_carlo) {
  const double parameter = std::max(parameter_raw, 0.0);
  const double total = parameter + monte_carlo;
  return {parameter_raw, monte_carlo, total > 0.0 ? parameter / total : 0.0};
}

// The ANOVA estimates from sums over draws of centred draw means m_d: s1 = Σ m_d, s2 = Σ m_d²,
// and the pooled within-draw sum of squares w, for `draws` draws of R replicates.
Components components(double s1, double s2, double w, double draws, double R) {
  const double msb = R * std::max(s2 - s1 * s1 / draws, 0.0) / (draws - 1.0);
  const double monte_carlo = w / (draws * (R - 1.0));
  return from_parts((msb - monte_carlo) / R, monte_carlo);
}

// Delete-one-draw jackknife standard errors of the components from their D leave-one-out
// estimates: SE² = (D − 1)/D · Σ_d (θ_(d) − θ̄_(·))², two passes so close values do not cancel.
void set_jackknife_se(VarianceSplit& v, const std::vector<Components>& loo) {
  const double D = static_cast<double>(loo.size());
  Components avg;
  for (const Components& c : loo) {
    avg.parameter_raw += c.parameter_raw / D;
    avg.monte_carlo += c.monte_carlo / D;
    avg.share += c.share / D;
  }
  double qp = 0.0, qm = 0.0, qs = 0.0;
  for (const Components& c : loo) {
    qp += (c.parameter_raw - avg.parameter_raw) * (c.parameter_raw - avg.parameter_raw);
    qm += (c.monte_carlo - avg.monte_carlo) * (c.monte_carlo - avg.monte_carlo);
    qs += (c.share - avg.share) * (c.share - avg.share);
  }
  v.parameter_se = std::sqrt((D - 1.0) / D * qp);
  v.monte_carlo_se = std::sqrt((D - 1.0) / D * qm);
  v.share_se = std::sqrt((D - 1.0) / D * qs);
}

// The intervals estimate ± z·SE at `confidence`, truncated at 0.
void set_intervals(VarianceSplit& v, double confidence) {
  const double z = random::normal_quantile(0.5 + confidence / 2.0);
  v.parameter_lower = std::max(v.parameter_raw - z * v.parameter_se, 0.0);
  v.parameter_upper = std::max(v.parameter_raw + z * v.parameter_se, 0.0);
  v.monte_carlo_lower = std::max(v.monte_carlo - z * v.monte_carlo_se, 0.0);
  v.monte_carlo_upper = v.monte_carlo + z * v.monte_carlo_se;
}

}  // namespace

std::span<const VarianceColumn> variance_columns() noexcept {
  static constexpr VarianceColumn columns[] = {
      {"mean", &VarianceSplit::mean},
      {"total", &VarianceSplit::total},
      {"parameter", &VarianceSplit::parameter},
      {"parameter_lower", &VarianceSplit::parameter_lower},
      {"parameter_upper", &VarianceSplit::parameter_upper},
      {"monte_carlo", &VarianceSplit::monte_carlo},
      {"monte_carlo_lower", &VarianceSplit::monte_carlo_lower},
      {"monte_carlo_upper", &VarianceSplit::monte_carlo_upper},
      {"parameter_share", &VarianceSplit::parameter_share},
      {"parameter_share_se", &VarianceSplit::share_se},
  };
  return columns;
}

std::string common_streams_caveat(std::uint64_t replicates_per_draw) {
  return "common streams: the Monte Carlo part rests on the " + std::to_string(replicates_per_draw) +
         " streams every draw shares, and its interval is too narrow; independent streams per draw (the "
         "default) estimate it far better";
}

VarianceShown shown(const VarianceSplit& v) noexcept {
  const double half = 1.959963984540054 * v.share_se;
  return {v.parameter_share,
          half,
          std::sqrt(v.total),
          std::sqrt(v.parameter),
          std::sqrt(v.monte_carlo),
          std::clamp(v.parameter_share - half, 0.0, 1.0),
          std::clamp(v.parameter_share + half, 0.0, 1.0)};
}

VarianceSplit variance_split(std::span<const double> values, std::size_t draws, std::size_t replicates,
                             double confidence) {
  if (draws < 2 || replicates < 2)
    throw Error("variance_split needs at least 2 draws and 2 replicates per draw (got " + std::to_string(draws) +
                " × " + std::to_string(replicates) + ")");
  if (values.size() != draws * replicates)
    throw Error("variance_split: " + std::to_string(values.size()) + " values for " + std::to_string(draws) + " × " +
                std::to_string(replicates));
  detail::require_finite(values, "variance_split");
  const double D = static_cast<double>(draws), R = static_cast<double>(replicates);
  VarianceSplit v;
  v.draws = draws;
  v.replicates = replicates;

  double grand = 0.0;
  for (double y : values) grand += y;
  grand /= D * R;
  // Draw means (centred on the grand mean, so the sums below do not cancel) and within sums.
  std::vector<double> m(draws), ssw(draws);
  double s1 = 0.0, s2 = 0.0, w = 0.0;
  for (std::size_t d = 0; d < draws; ++d) {
    const double* row = values.data() + d * replicates;
    double sum = 0.0;
    for (std::size_t r = 0; r < replicates; ++r) sum += row[r] - grand;
    const double md = sum / R;
    double ss = 0.0;
    for (std::size_t r = 0; r < replicates; ++r) ss += (row[r] - grand - md) * (row[r] - grand - md);
    m[d] = md;
    ssw[d] = ss;
    s1 += md;
    s2 += md * md;
    w += ss;
  }
  const Components all = components(s1, s2, w, D, R);
  v.mean = grand + s1 / D;
  v.mean_se = std::sqrt(R * std::max(s2 - s1 * s1 / D, 0.0) / (D - 1.0) / (D * R));
  v.parameter_raw = all.parameter_raw;
  v.parameter = std::max(all.parameter_raw, 0.0);
  v.monte_carlo = all.monte_carlo;
  v.total = v.parameter + v.monte_carlo;
  v.parameter_share = all.share;

  // Delete-one-draw jackknife: draws are the independent units (replicates within a draw share θ).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  v.parameter_se = v.monte_carlo_se = v.share_se = nan;
  if (draws >= 3) {
    std::vector<Components> loo(draws);
    for (std::size_t d = 0; d < draws; ++d) loo[d] = components(s1 - m[d], s2 - m[d] * m[d], w - ssw[d], D - 1.0, R);
    set_jackknife_se(v, loo);
  }
  set_intervals(v, confidence);
  return v;
}

}  // namespace trede::mc

namespace trede::mc {
namespace {

// Two-way analysis of variance without replication of a [D, R] table: the grand mean, the mean
// square of the rows (draws), the residual mean square and the within-row mean square.
struct TwoWay {
  double grand = 0.0, msa = 0.0, mse = 0.0, msw = 0.0;
};

TwoWay two_way(std::span<const double> y, std::size_t D, std::size_t R, std::size_t skip = SIZE_MAX) {
  const std::size_t Dn = skip < D ? D - 1 : D;
  std::vector<double> row(D, 0.0), col(R, 0.0);
  double grand = 0.0;
  for (std::size_t d = 0; d < D; ++d) {
    if (d == skip) continue;
    for (std::size_t r = 0; r < R; ++r) row[d] += y[d * R + r], col[r] += y[d * R + r];
  }
  for (std::size_t d = 0; d < D; ++d) row[d] /= static_cast<double>(R), grand += d == skip ? 0.0 : row[d];
  grand /= static_cast<double>(Dn);
  for (double& c : col) c /= static_cast<double>(Dn);
  double ssa = 0.0, sse = 0.0, ssw = 0.0;
  for (std::size_t d = 0; d < D; ++d) {
    if (d == skip) continue;
    ssa += (row[d] - grand) * (row[d] - grand);
    for (std::size_t r = 0; r < R; ++r) {
      const double e = y[d * R + r] - row[d] - col[r] + grand, w = y[d * R + r] - row[d];
      sse += e * e;
      ssw += w * w;
    }
  }
  const double dD = static_cast<double>(Dn), dR = static_cast<double>(R);
  return {grand, dR * ssa / (dD - 1.0), sse / ((dD - 1.0) * (dR - 1.0)), ssw / (dD * (dR - 1.0))};
}

}  // namespace

VarianceSplit variance_split_crossed(std::span<const double> values, std::size_t draws, std::size_t replicates,
                                     double confidence) {
  if (draws < 3 || replicates < 2)
    throw Error("variance_split_crossed needs at least 3 draws and 2 replicates per draw (got " + std::to_string(draws) +
                " × " + std::to_string(replicates) + ")");
  if (values.size() != draws * replicates)
    throw Error("variance_split_crossed: " + std::to_string(values.size()) + " values for " + std::to_string(draws) +
                " × " + std::to_string(replicates));
  detail::require_finite(values, "variance_split_crossed");
  const double D = static_cast<double>(draws), R = static_cast<double>(replicates);
  // With Y = μ + a(θ) + b(ω) + ab(θ, ω): E[MSA] = σ²_ab + R σ²_a and E[MSE] = σ²_ab, so the
  // parameter part σ²_a = Var_θ(E[Y|θ]) is (MSA − MSE)/R; E[MSW] = σ²_b + σ²_ab = E_θ[Var(Y|θ)].
  auto parts = [&](const TwoWay& t) { return std::pair{(t.msa - t.mse) / R, t.msw}; };
  const TwoWay all = two_way(values, draws, replicates);
  const auto [p_raw, mc] = parts(all);
  VarianceSplit v;
  v.draws = draws;
  v.replicates = replicates;
  v.mean = all.grand;
  // The grand mean varies with the draws and with the R streams they share.
  v.mean_se = std::sqrt(std::max(all.msa / (D * R) + std::max(mc - all.mse, 0.0) / R, 0.0));
  v.parameter_raw = p_raw;
  v.parameter = std::max(p_raw, 0.0);
  v.monte_carlo = mc;
  v.total = v.parameter + v.monte_carlo;
  v.parameter_share = from_parts(p_raw, mc).share;
  // Delete-one-draw jackknife over the draws. The Monte Carlo part rests on the R streams that
  // every draw shares, which a jackknife over draws cannot see: its interval is too narrow
  // (docs/uncertainty.md); prefer independent streams per draw for the split.
  std::vector<Components> loo(draws);
  for (std::size_t d = 0; d < draws; ++d) {
    const auto [p, m] = parts(two_way(values, draws, replicates, d));
    loo[d] = from_parts(p, m);
  }
  set_jackknife_se(v, loo);
  set_intervals(v, confidence);
  return v;
}

}  // namespace trede::mc
