#include "mc/spline_smoother.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "mc/sorted_quantile.hpp"
#include "trede/error.hpp"

namespace trede::mc::detail {
namespace {

constexpr std::size_t max_pairwise_parameters = 10;

double skewness(const std::vector<double>& v) {
  const double n = static_cast<double>(v.size());
  double m = 0.0;
  for (double x : v) m += x / n;
  double m2 = 0.0, m3 = 0.0;
  for (double x : v) m2 += (x - m) * (x - m) / n, m3 += (x - m) * (x - m) * (x - m) / n;
  return m2 > 0.0 ? m3 / std::pow(m2, 1.5) : 0.0;
}

// One covariate: its standardised values and a clamped cubic B-spline basis on them.
struct Axis {
  std::vector<double> u;      // [D] standardised values
  std::vector<double> knots;  // clamped knot vector: t_0 ×4, interior knots, t_K ×4
  std::size_t m = 0;          // basis functions (= knots − 4)
  bool log_scale = false;
};

// Standardises parameter `column`: log scale when that is less skewed, then (v − median) / IQR.
// Returns false when the parameter does not vary.
bool standardise(ParameterDraws theta, std::size_t column, Axis& axis) {
  const std::size_t n = theta.draws;
  std::vector<double> v(n);
  bool positive = true;
  for (std::size_t d = 0; d < n; ++d) v[d] = theta.at(d, column), positive = positive && v[d] > 0.0;
  if (positive) {
    std::vector<double> lv(n);
    for (std::size_t d = 0; d < n; ++d) lv[d] = std::log(v[d]);
    if (std::fabs(skewness(lv)) < std::fabs(skewness(v))) v.swap(lv), axis.log_scale = true;
  }
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  if (!(sorted.back() > sorted.front())) return false;
  double scale = quantile_sorted(sorted, 0.75) - quantile_sorted(sorted, 0.25);
  if (!(scale > 0.0)) scale = sorted.back() - sorted.front();  // mostly tied values
  const double centre = quantile_sorted(sorted, 0.5);
  axis.u.resize(n);
  for (std::size_t d = 0; d < n; ++d) axis.u[d] = (v[d] - centre) / scale;
  return true;
}

// Knots at quantiles of the axis's values: `intervals` intervals holding equal shares of the
// data (fewer when ties make quantiles coincide), boundary knots repeated four times.
void place_knots(Axis& axis, std::size_t intervals) {
  std::vector<double> sorted = axis.u;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> inner;
  for (std::size_t k = 0; k <= intervals; ++k)
    inner.push_back(quantile_sorted(sorted, static_cast<double>(k) / static_cast<double>(intervals)));
  inner.erase(std::unique(inner.begin(), inner.end()), inner.end());
  axis.knots.assign(3, inner.front());
  axis.knots.insert(axis.knots.end(), inner.begin(), inner.end());
  axis.knots.insert(axis.knots.end(), 3, inner.back());
  axis.m = axis.knots.size() - 4;
}

// Index of the knot span [t_s, t_{s+1}) holding x (the last non-empty span for x = t_K).
std::size_t span_of(const std::vector<double>& t, double x) {
  const std::size_t last = t.size() - 5;  // span of the last interval: t_last < t_{last+1} = t_K
  if (x >= t[last + 1]) return last;
  const auto it = std::upper_bound(t.begin() + 3, t.begin() + static_cast<std::ptrdiff_t>(last + 1), x);
  return static_cast<std::size_t>(it - t.begin()) - 1;
}

// The four nonzero cubic B-splines N_{s−3..s}(x) on span s (de Boor's triangular recursion).
void cubic_basis(const std::vector<double>& t, std::size_t s, double x, double N[4]) {
  double left[4], right[4];
  N[0] = 1.0;
  for (std::size_t j = 1; j <= 3; ++j) {
    left[j] = x - t[s + 1 - j];
    right[j] = t[s + j] - x;
    double saved = 0.0;
    for (std::size_t r = 0; r < j; ++r) {
      const double temp = N[r] / (right[r + 1] + left[j - r]);
      N[r] = saved + right[r + 1] * temp;
      saved = left[j - r] * temp;
    }
    N[j] = saved;
  }
}

// Second derivatives of the four nonzero cubic B-splines at x on span s, from the linear
// B-splines: N''_j = 6[N_{j,1}/(AB) − N_{j+1,1}(1/(AC) + 1/(EC)) + N_{j+2,1}/(EF)] with
// A = t_{j+3} − t_j, B = t_{j+2} − t_j, C = t_{j+3} − t_{j+1}, E = t_{j+4} − t_{j+1},
// F = t_{j+4} − t_{j+2}; a term with a zero denominator is 0.
void cubic_second_derivatives(const std::vector<double>& t, std::size_t s, double x, double d2[4]) {
  const auto hat = [&](std::size_t j) {  // N_{j,1}(x)
    double v = 0.0;
    if (t[j + 1] > t[j] && x >= t[j] && x <= t[j + 1]) v = (x - t[j]) / (t[j + 1] - t[j]);
    if (t[j + 2] > t[j + 1] && x >= t[j + 1] && x <= t[j + 2]) v = (t[j + 2] - x) / (t[j + 2] - t[j + 1]);
    return v;
  };
  const auto inv = [](double a, double b) { return a > 0.0 && b > 0.0 ? 1.0 / (a * b) : 0.0; };
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t j = s - 3 + i;
    const double A = t[j + 3] - t[j], B = t[j + 2] - t[j], C = t[j + 3] - t[j + 1], E = t[j + 4] - t[j + 1],
                 F = t[j + 4] - t[j + 2];
    d2[i] = 6.0 * (hat(j) * inv(A, B) - hat(j + 1) * (inv(A, C) + inv(E, C)) + hat(j + 2) * inv(E, F));
  }
}

// Exact Gram G_ij = ∫ N_i N_j and curvature P_ij = ∫ N_i'' N_j'' matrices of an axis's basis,
// by 4-point Gauss–Legendre quadrature on each knot interval (exact to degree 7).
void axis_matrices(const Axis& axis, Eigen::MatrixXd& G, Eigen::MatrixXd& P) {
  const auto m = static_cast<Eigen::Index>(axis.m);
  G = Eigen::MatrixXd::Zero(m, m);
  P = Eigen::MatrixXd::Zero(m, m);
  static constexpr double node[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
  static constexpr double weight[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
  const std::vector<double>& t = axis.knots;
  for (std::size_t s = 3; s + 4 < t.size(); ++s) {
    if (!(t[s + 1] > t[s])) continue;
    const double half = 0.5 * (t[s + 1] - t[s]), mid = 0.5 * (t[s + 1] + t[s]);
    for (int q = 0; q < 4; ++q) {
      const double x = mid + half * node[q], w = half * weight[q];
      double N[4], D2[4];
      cubic_basis(t, s, x, N);
      cubic_second_derivatives(t, s, x, D2);
      for (std::size_t a = 0; a < 4; ++a)
        for (std::size_t b = 0; b < 4; ++b) {
          const auto i = static_cast<Eigen::Index>(s - 3 + a), j = static_cast<Eigen::Index>(s - 3 + b);
          G(i, j) += w * N[a] * N[b];
          P(i, j) += w * D2[a] * D2[b];
        }
    }
  }
}

Eigen::MatrixXd kron(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd k(a.rows() * b.rows(), a.cols() * b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) k.block(i * b.rows(), j * b.cols(), b.rows(), b.cols()) = a(i, j) * b;
  return k;
}

// "1 parameter", "3 parameters".
std::string parameters(std::size_t n) { return std::to_string(n) + (n == 1 ? " parameter" : " parameters"); }

std::string times(const std::vector<Axis>& axes) {
  std::string s;
  for (const Axis& a : axes) s += (s.empty() ? "" : "×") + std::to_string(a.m);
  return s;
}

}  // namespace

double SplineSmoother::Fit::residual_variance() const {
  const double dof = static_cast<double>(fitted.size()) - 1.0 - edf;
  return dof > 0.0 ? rss / dof : std::numeric_limits<double>::quiet_NaN();
}

SplineSmoother::SplineSmoother(ParameterDraws theta, std::span<const std::size_t> group) : draws_(theta.draws) {
  if (group.empty()) throw Error("SplineSmoother: the parameter group is empty");
  if (theta.values.size() != theta.draws * theta.parameters)
    throw Error("SplineSmoother: " + std::to_string(theta.values.size()) + " values for " + std::to_string(theta.draws) +
                " draws × " + parameters(theta.parameters));
  for (std::size_t c : group)
    if (c >= theta.parameters)
      throw Error("SplineSmoother: parameter " + std::to_string(c) + " out of range (" + parameters(theta.parameters) + ")");
  const std::size_t n = theta.draws;
  std::vector<Axis> axes;
  std::string logs;
  for (std::size_t c : group) {
    Axis a;
    if (!standardise(theta, c, a)) continue;  // a constant parameter carries no information
    if (a.log_scale) logs += (logs.empty() ? "" : ", ") + std::string("θ") + std::to_string(c);
    axes.push_back(std::move(a));
  }
  const std::size_t p = axes.size();
  if (p == 0) {
    description_ = "no varying parameter in the group: the fit is the mean";
    return;
  }

  // Basis layout (see the header): tensor product for up to 3 parameters when D allows m >= 4.
  const double budget = static_cast<double>(n) / 10.0;
  std::size_t m = 0;
  bool tensor = false;
  if (p == 1) {
    m = std::clamp<std::size_t>(n / 20, 4, 24), tensor = true;
  } else if (p <= 3) {
    const auto per_axis = static_cast<std::size_t>(std::floor(std::pow(budget, 1.0 / static_cast<double>(p)) + 1e-9));
    if (per_axis >= 4) m = std::min<std::size_t>(per_axis, p == 2 ? 12 : 7), tensor = true;
  }
  if (!tensor) m = std::clamp<std::size_t>(n / (10 * p), 4, 8);
  for (Axis& a : axes) place_knots(a, m - 3);  // ties may leave an axis fewer functions
  const bool pairs = !tensor && p <= max_pairwise_parameters;
  const std::size_t n_pairs = pairs ? p * (p - 1) / 2 : 0;
  std::size_t full = 1;  // tensor columns before dropping one
  for (const Axis& a : axes) full *= a.m;
  std::size_t additive = 0;
  for (const Axis& a : axes) additive += a.m - 1;
  columns_ = tensor ? full - 1 : additive + n_pairs;
  nnz_ = tensor ? (std::size_t{1} << (2 * p)) : 4 * p + n_pairs;
  if (n < columns_ + 20)
    throw Error("SplineSmoother: " + std::to_string(n) + " draws are too few for a regression on " + parameters(p) +
                " (" + std::to_string(columns_) + " basis functions); use more draws");
  description_ = tensor ? (p == 1 ? "cubic regression spline, " + std::to_string(axes[0].m) + " basis functions"
                                  : "tensor-product cubic regression spline, " + parameters(p) + ", " +
                                        times(axes) + " basis")
                        : "additive cubic regression splines, " + parameters(p) + " × up to " +
                              std::to_string(m) + " basis functions" +
                              (pairs ? " + " + std::to_string(n_pairs) + " pairwise bilinear terms" : "");
  if (!logs.empty()) description_ += " (" + logs + " on the log scale)";
  description_ += "; knots at quantiles, curvature penalty, λ by GCV";

  // Sparse rows of the basis.
  index_.assign(n * nnz_, -1);
  value_.assign(n * nnz_, 0.0);
  std::vector<std::size_t> first(p);
  std::vector<std::array<double, 4>> w(p);
  std::vector<std::size_t> offset(p, 0);  // additive: first column of each term
  for (std::size_t j = 1; j < p; ++j) offset[j] = offset[j - 1] + axes[j - 1].m - 1;
  for (std::size_t d = 0; d < n; ++d) {
    std::int32_t* idx = index_.data() + d * nnz_;
    double* val = value_.data() + d * nnz_;
    for (std::size_t j = 0; j < p; ++j) {
      const std::size_t s = span_of(axes[j].knots, axes[j].u[d]);
      cubic_basis(axes[j].knots, s, axes[j].u[d], w[j].data());
      first[j] = s - 3;
    }
    if (tensor) {
      for (std::size_t e = 0; e < nnz_; ++e) {
        std::size_t col = 0;
        double v = 1.0;
        for (std::size_t j = 0; j < p; ++j) {
          const std::size_t a = (e >> (2 * (p - 1 - j))) & 3u;  // offset along axis j
          col = col * axes[j].m + first[j] + a;
          v *= w[j][a];
        }
        if (col + 1 < full) idx[e] = static_cast<std::int32_t>(col), val[e] = v;
      }
    } else {
      for (std::size_t j = 0; j < p; ++j)
        for (std::size_t a = 0; a < 4; ++a) {
          const std::size_t local = first[j] + a;
          if (local + 1 < axes[j].m) idx[4 * j + a] = static_cast<std::int32_t>(offset[j] + local), val[4 * j + a] = w[j][a];
        }
      std::size_t e = 4 * p, col = additive;
      for (std::size_t j = 0; j < p && pairs; ++j)
        for (std::size_t l = j + 1; l < p; ++l, ++e, ++col)
          idx[e] = static_cast<std::int32_t>(col), val[e] = axes[j].u[d] * axes[l].u[d];
    }
  }

  // G = XᵀX of the centred columns, from the sparse rows.
  const auto c = static_cast<Eigen::Index>(columns_);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(c, c);
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(c);
  for (std::size_t d = 0; d < n; ++d) {
    const std::int32_t* idx = index_.data() + d * nnz_;
    const double* val = value_.data() + d * nnz_;
    for (std::size_t a = 0; a < nnz_; ++a) {
      if (idx[a] < 0) continue;
      mean(idx[a]) += val[a];
      for (std::size_t b = 0; b < nnz_; ++b)
        if (idx[b] >= 0) G(idx[a], idx[b]) += val[a] * val[b];
    }
  }
  mean /= static_cast<double>(n);
  G -= static_cast<double>(n) * mean * mean.transpose();
  // A whisper of ridge keeps G positive definite when a basis function has almost no data.
  G.diagonal().array() += 1e-10 * G.trace() / static_cast<double>(c);
  column_mean_.assign(mean.data(), mean.data() + c);

  // Penalty, without the dropped columns.
  std::vector<Eigen::MatrixXd> gram(p), curv(p);
  for (std::size_t j = 0; j < p; ++j) axis_matrices(axes[j], gram[j], curv[j]);
  Eigen::MatrixXd S = Eigen::MatrixXd::Zero(c, c);
  if (tensor) {
    Eigen::MatrixXd full_penalty;
    for (std::size_t axis = 0; axis < p; ++axis) {
      Eigen::MatrixXd term = axis == 0 ? curv[0] : gram[0];
      for (std::size_t j = 1; j < p; ++j) term = kron(term, j == axis ? curv[j] : gram[j]);
      full_penalty = axis == 0 ? term : Eigen::MatrixXd(full_penalty + term);
    }
    S = full_penalty.topLeftCorner(c, c);
  } else {
    for (std::size_t j = 0; j < p; ++j) {
      const auto o = static_cast<Eigen::Index>(offset[j]), k = static_cast<Eigen::Index>(axes[j].m - 1);
      S.block(o, o, k, k) = curv[j].topLeftCorner(k, k);
    }
  }
  const Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> eig(S, G, Eigen::ComputeEigenvectors | Eigen::Ax_lBx);
  if (eig.info() != Eigen::Success) throw Error("SplineSmoother: the penalised regression could not be decomposed");
  eigenvalues_.resize(columns_);
  for (Eigen::Index i = 0; i < c; ++i) eigenvalues_[static_cast<std::size_t>(i)] = std::max(eig.eigenvalues()(i), 0.0);
  eigenvectors_.assign(eig.eigenvectors().data(), eig.eigenvectors().data() + c * c);
}

SplineSmoother::Fit SplineSmoother::fit(std::span<const double> y, Smoothing smoothing) const {
  if (y.size() != draws_)
    throw Error("SplineSmoother::fit: " + std::to_string(y.size()) + " values for " + std::to_string(draws_) + " draws");
  const std::size_t n = draws_;
  const double N = static_cast<double>(n);
  Fit f;
  f.mean = std::accumulate(y.begin(), y.end(), 0.0) / N;
  for (double v : y) f.tss += (v - f.mean) * (v - f.mean);
  f.fitted.assign(n, f.mean);
  if (columns_ == 0 || f.tss == 0.0) {
    f.rss = f.tss;
    return f;
  }
  const auto c = static_cast<Eigen::Index>(columns_);
  // Xᵀ(y − ȳ): centring X is not needed since the centred y sums to 0.
  Eigen::VectorXd xty = Eigen::VectorXd::Zero(c);
  for (std::size_t d = 0; d < n; ++d) {
    const std::int32_t* idx = index_.data() + d * nnz_;
    const double* val = value_.data() + d * nnz_;
    const double yc = y[d] - f.mean;
    for (std::size_t a = 0; a < nnz_; ++a)
      if (idx[a] >= 0) xty(idx[a]) += val[a] * yc;
  }
  const Eigen::Map<const Eigen::MatrixXd> V(eigenvectors_.data(), c, c);
  const Eigen::VectorXd z = V.transpose() * xty;

  const auto gcv = [&](double log_lambda) {
    const double lambda = std::exp(log_lambda);
    double rss = f.tss, edf = 0.0;
    for (Eigen::Index i = 0; i < c; ++i) {
      const double w = 1.0 / (1.0 + lambda * eigenvalues_[static_cast<std::size_t>(i)]);
      rss -= z(i) * z(i) * (2.0 * w - w * w);
      edf += w;
    }
    const double dof = N - 1.0 - edf;
    return dof > 0.0 ? N * std::max(rss, 0.0) / (dof * dof) : std::numeric_limits<double>::infinity();
  };
  // Minus twice the restricted log-likelihood with σ² profiled out: in the eigenbasis the
  // penalised coefficients are independent, z_i ~ N(0, σ²(1 + 1/(λΛ_i))), and the rest of y
  // (outside the basis) is N(0, σ²); the null space (Λ_i = 0) is a fixed effect and drops out.
  const double top = eigenvalues_.back();
  const double positive = top * 1e-12;
  const auto reml = [&](double log_lambda) {
    const double lambda = std::exp(log_lambda);
    double prss = f.tss, logdet = 0.0, nr = N - 1.0;
    for (Eigen::Index i = 0; i < c; ++i) {
      const double e = eigenvalues_[static_cast<std::size_t>(i)];
      if (e <= positive) {
        prss -= z(i) * z(i);
        nr -= 1.0;
        continue;
      }
      prss -= z(i) * z(i) / (1.0 + lambda * e);
      logdet += std::log1p(1.0 / (lambda * e));
    }
    return nr > 0.0 && prss > 0.0 ? nr * std::log(prss) + logdet : std::numeric_limits<double>::infinity();
  };
  const auto criterion = [&](double log_lambda) {
    return smoothing == Smoothing::reml ? reml(log_lambda) : gcv(log_lambda);
  };
  // Grid over log λ from almost no smoothing to the penalty's null space, then golden section.
  double log_lambda = -std::numeric_limits<double>::infinity();
  if (top > 0.0) {
    double smallest = top;
    for (double e : eigenvalues_)
      if (e > 1e-12 * top) smallest = std::min(smallest, e);
    const double lo = std::log(1e-8 / top), hi = std::log(1e8 / smallest);
    constexpr int grid = 100;
    int best = 0;
    double best_v = std::numeric_limits<double>::infinity();
    for (int i = 0; i <= grid; ++i) {
      const double v = criterion(lo + (hi - lo) * i / grid);
      if (v < best_v) best_v = v, best = i;
    }
    double a = lo + (hi - lo) * std::max(best - 1, 0) / grid, b = lo + (hi - lo) * std::min(best + 1, grid) / grid;
    const double phi = 0.5 * (std::sqrt(5.0) - 1.0);
    double x1 = b - phi * (b - a), x2 = a + phi * (b - a), f1 = criterion(x1), f2 = criterion(x2);
    for (int it = 0; it < 50; ++it) {
      if (f1 <= f2)
        b = x2, x2 = x1, f2 = f1, x1 = b - phi * (b - a), f1 = criterion(x1);
      else
        a = x1, x1 = x2, f1 = f2, x2 = a + phi * (b - a), f2 = criterion(x2);
    }
    log_lambda = f1 <= f2 ? x1 : x2;
    if (criterion(lo + (hi - lo) * best / grid) < criterion(log_lambda)) log_lambda = lo + (hi - lo) * best / grid;
  }
  f.lambda = std::exp(log_lambda);
  Eigen::VectorXd wz(c);
  for (Eigen::Index i = 0; i < c; ++i) {
    const double w = 1.0 / (1.0 + f.lambda * eigenvalues_[static_cast<std::size_t>(i)]);
    wz(i) = w * z(i);
    f.edf += w;
    f.edf2 += w * w;
  }
  const Eigen::VectorXd beta = V * wz;
  double offset = 0.0;
  for (Eigen::Index i = 0; i < c; ++i) offset += column_mean_[static_cast<std::size_t>(i)] * beta(i);
  f.rss = 0.0;
  for (std::size_t d = 0; d < n; ++d) {
    const std::int32_t* idx = index_.data() + d * nnz_;
    const double* val = value_.data() + d * nnz_;
    double s = f.mean - offset;
    for (std::size_t a = 0; a < nnz_; ++a)
      if (idx[a] >= 0) s += val[a] * beta(idx[a]);
    f.fitted[d] = s;
    f.rss += (y[d] - s) * (y[d] - s);
  }
  return f;
}

}  // namespace trede::mc::detail
