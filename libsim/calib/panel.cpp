// Panel data: the continuous-time Markov likelihood of states seen at visit times.
//
// log L = Σ over consecutive visits of log P(Δt)[a, b], P(Δt) = exp(Q Δt). Q and its derivatives
// are built per covariate pattern; exp(Q t) and its derivatives come from the eigen-
// decomposition Q = A diag(d) A⁻¹ (Kalbfleisch & Lawless 1985):
//
//   ∂P(t)/∂θ_u = A (G_u ∘ V(t)) A⁻¹,  G_u = A⁻¹ (∂Q/∂θ_u) A,
//   V_ij = (e^{d_i t} − e^{d_j t}) / (d_i − d_j),  V_ii = t e^{d_i t},
//
// which costs O(S²) per parameter and visit once A is known (complex arithmetic: Q need not be
// symmetric, its eigenvalues may be complex). When A is ill-conditioned (Q nearly defective, e.g.
// two states with the same total exit rate in a chain), that pattern falls back to Padé
// exp(Q t) and the Fréchet derivatives from the block-triangular exponential
// exp([[Q, E], [0, Q]] t) = [[P, ∂P], [0, P]], exact but slower.
//
// The optimiser is Fisher scoring with step halving: the expected information of a visit from
// state a is Σ_k ∂P_ak ∂P_akᵀ / P_ak, which needs the row of ∂P anyway. Standard errors come from
// the observed information: central differences of the analytic score.

#include <unsupported/Eigen/MatrixFunctions>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <map>
#include <optional>

#include "calib/internal.hpp"
#include "calib/panel_detail.hpp"
#include "random/splitmix.hpp"
#include "trede/calib/markov.hpp"
#include "trede/error.hpp"
#include "trede/model/limits.hpp"

namespace trede::calib {
namespace {

using cd = std::complex<double>;
using Eigen::Index;
using Eigen::MatrixXcd;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// The largest rate a scenario may hold (the loader's limit, 1e6 per year): a fitted rate must
// load again.
const double max_log_rate = std::log(model::limits::max_rate_per_year);

struct Interval {
  int from = 0, to = 0;
  double dt = 0.0;
  bool exact_absorbing = false;  // `to` entered at exactly dt (msm's deathexact)
};

struct Pattern {
  std::vector<double> x;
  std::vector<Interval> intervals;
};

class PanelModel {
 public:
  PanelModel(const CompiledSpec& spec, std::vector<Pattern> patterns, bool force_pade = false)
      : spec_(spec), S_(static_cast<Index>(spec.states)), P_(static_cast<Index>(spec.parameter_names.size())),
        patterns_(std::move(patterns)), force_pade_(force_pade) {}

  // Log-likelihood; with `grad` its gradient; with `info` the expected (Fisher) information.
  // Returns -inf when some observed transition has probability 0 at theta.
  double evaluate(const VectorXd& theta, VectorXd* grad, MatrixXd* info) const {
    if (grad) grad->setZero(P_);
    if (info) info->setZero(P_, P_);
    double ll = 0.0;
    for (const Pattern& pat : patterns_) {
      const double l = pattern(pat, theta, grad, info);
      if (!std::isfinite(l)) return -std::numeric_limits<double>::infinity();
      ll += l;
    }
    if (info) *info = info->template selfadjointView<Eigen::Lower>();
    return ll;
  }

  Index parameters() const { return P_; }

 private:
  // Q at covariates x, and ∂Q/∂θ_u for every parameter (dense, S×S each).
  void build(const VectorXd& theta, const std::vector<double>& x, MatrixXd& Q, std::vector<MatrixXd>* dQ) const {
    Q.setZero(S_, S_);
    if (dQ) dQ->assign(static_cast<std::size_t>(P_), MatrixXd::Zero(S_, S_));
    for (const auto& e : spec_.edges) {
      double lr = e.rate_parameter[0] >= 0 ? theta[e.rate_parameter[0]] : std::log(e.fixed_rate[0]);
      for (std::size_t c = 0; c < x.size(); ++c)
        if (e.beta_parameter[c] >= 0) lr += theta[e.beta_parameter[c]] * x[c];
      const double q = std::exp(lr);
      Q(e.from, e.to) += q;
      Q(e.from, e.from) -= q;
      if (!dQ) continue;
      auto add = [&](int u, double coef) {
        auto& D = (*dQ)[static_cast<std::size_t>(u)];
        D(e.from, e.to) += coef * q;
        D(e.from, e.from) -= coef * q;
      };
      if (e.rate_parameter[0] >= 0) add(e.rate_parameter[0], 1.0);
      for (std::size_t c = 0; c < x.size(); ++c)
        if (e.beta_parameter[c] >= 0 && x[c] != 0.0) add(e.beta_parameter[c], x[c]);
    }
  }

  double pattern(const Pattern& pat, const VectorXd& theta, VectorXd* grad, MatrixXd* info) const {
    const bool derivs = grad || info;
    MatrixXd Q;
    std::vector<MatrixXd> dQ;
    build(theta, pat.x, Q, derivs ? &dQ : nullptr);
    if (force_pade_) return pattern_pade(pat, Q, dQ, grad, info);
    Eigen::EigenSolver<MatrixXd> es(Q, true);
    if (es.info() != Eigen::Success) return pattern_pade(pat, Q, dQ, grad, info);
    const Eigen::VectorXcd d = es.eigenvalues();
    // Real eigenvalues (the usual case: most ladders are close to triangular) keep the whole
    // computation in real arithmetic, about four times cheaper than complex.
    const double scale = std::max(1.0, d.cwiseAbs().maxCoeff());
    if (d.imag().cwiseAbs().maxCoeff() <= 1e-13 * scale) {
      const MatrixXd A = es.eigenvectors().real();
      return decomposed<double>(pat, Q, dQ, A, d.real(), grad, info);
    }
    return decomposed<cd>(pat, Q, dQ, es.eigenvectors(), d, grad, info);
  }

  static double re(double x) { return x; }
  static double re(const cd& x) { return x.real(); }

  template <class T>
  double decomposed(const Pattern& pat, const MatrixXd& Q, const std::vector<MatrixXd>& dQ,
                    const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& A,
                    const Eigen::Matrix<T, Eigen::Dynamic, 1>& d, VectorXd* grad, MatrixXd* info) const {
    using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
    const bool derivs = grad || info;
    Eigen::PartialPivLU<Mat> lu(A);
    const Mat Ainv = lu.inverse();
    const double cond = A.cwiseAbs().colwise().sum().maxCoeff() * Ainv.cwiseAbs().colwise().sum().maxCoeff();
    // Beyond ~1e6 the eigenvectors are nearly parallel (Q close to defective) and the products
    // lose more than 6 digits; the Padé path is exact there.
    if (!std::isfinite(cond) || cond > 1e6) return pattern_pade(pat, Q, dQ, grad, info);
    using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
    const Index S = S_;
    // Gs(u, i*S + j) = G_u(i, j) with G_u = A⁻¹ (∂Q/∂θ_u) A: the hot loops below are then
    // matrix-vector and matrix-matrix products that Eigen vectorises.
    RowMat Gs;
    if (derivs) {
      Gs.resize(P_, S * S);
      for (Index u = 0; u < P_; ++u) {
        const RowMat Gu = Ainv * dQ[static_cast<std::size_t>(u)].template cast<T>() * A;
        Gs.row(u) = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(Gu.data(), S * S);
      }
    }
    auto at = [S](Index i, Index j) { return i * S + j; };
    Vec e(S), V(S * S), W(S * S), dPb(P_);
    RowMat Y(S, S), R(P_, S);
    Mat dProw(P_, S);
    std::vector<double> row(static_cast<std::size_t>(S));
    MatrixXd drow = MatrixXd::Zero(P_, S);
    VectorXd g(P_);
    // 1 / (d_i - d_j), once per pattern (divisions dominate otherwise).
    Vec inv_diff = Vec::Zero(S * S);
    for (Index i = 0; i < S; ++i)
      for (Index j = 0; j < S; ++j)
        if (d[i] != d[j]) inv_diff[at(i, j)] = T(1) / (d[i] - d[j]);
    double ll = 0.0;
    for (const Interval& iv : pat.intervals) {
      const double t = iv.dt;
      const Index a = iv.from, b = iv.to;
      for (Index i = 0; i < S; ++i) e[i] = std::exp(d[i] * t);
      for (Index k = 0; k < S; ++k) {
        T sum = T(0);
        for (Index i = 0; i < S; ++i) sum += A(a, i) * e[i] * Ainv(i, k);
        row[static_cast<std::size_t>(k)] = std::max(re(sum), 0.0);
      }
      if (derivs) {
        for (Index i = 0; i < S; ++i)
          for (Index j = 0; j < S; ++j) {
            const T w = (d[i] - d[j]) * t;
            V[at(i, j)] = std::norm(w) < 1e-10 ? e[j] * t * (1.0 + w / 2.0 + w * w / 6.0) : (e[i] - e[j]) * inv_diff[at(i, j)];
          }
        if (info || iv.exact_absorbing) {
          // The whole row of dP: R(u, j) = Σ_i G_u(i, j) A_ai V_ij, then dP(u, ·) = R A⁻¹.
          for (Index i = 0; i < S; ++i)
            for (Index j = 0; j < S; ++j) Y(i, j) = A(a, i) * V[at(i, j)];
          R.setZero();
          for (Index i = 0; i < S; ++i) R.noalias() += Gs.middleCols(i * S, S) * Y.row(i).asDiagonal();
          dProw.noalias() = R * Ainv;
          for (Index u = 0; u < P_; ++u)
            for (Index k = 0; k < S; ++k) drow(u, k) = re(dProw(u, k));
        } else {
          // The score needs dP_ab only: W_ij = A_ai V_ij A⁻¹_jb, dP_ab = Σ_ij G_ij W_ij.
          for (Index i = 0; i < S; ++i)
            for (Index j = 0; j < S; ++j) W[at(i, j)] = A(a, i) * V[at(i, j)] * Ainv(j, b);
          dPb.noalias() = Gs * W;
          for (Index u = 0; u < P_; ++u) drow(u, b) = re(dPb[u]);
        }
      }
      const double l = contribution(iv, row, drow, Q, dQ, derivs, g, info);
      if (!std::isfinite(l)) return l;
      ll += l;
      if (grad) *grad += g;
    }
    return ll;
  }

  // The fallback: Padé exponential and block-triangular Fréchet derivatives, per visit.
  double pattern_pade(const Pattern& pat, const MatrixXd& Q, const std::vector<MatrixXd>& dQ, VectorXd* grad,
                      MatrixXd* info) const {
    const bool derivs = grad || info;
    const Index S = S_;
    std::vector<double> row(static_cast<std::size_t>(S));
    MatrixXd drow(P_, S);
    VectorXd g(P_);
    double ll = 0.0;
    for (const Interval& iv : pat.intervals) {
      const MatrixXd Pm = (Q * iv.dt).exp();
      for (Index k = 0; k < S; ++k) row[static_cast<std::size_t>(k)] = std::max(Pm(iv.from, k), 0.0);
      if (derivs) {
        MatrixXd B = MatrixXd::Zero(2 * S, 2 * S);
        B.topLeftCorner(S, S) = Q * iv.dt;
        B.bottomRightCorner(S, S) = Q * iv.dt;
        for (Index u = 0; u < P_; ++u) {
          B.topRightCorner(S, S) = dQ[static_cast<std::size_t>(u)] * iv.dt;
          const MatrixXd E = B.exp();
          for (Index k = 0; k < S; ++k) drow(u, k) = E(iv.from, S + k);
        }
      }
      const double l = contribution(iv, row, drow, Q, dQ, derivs, g, info);
      if (!std::isfinite(l)) return l;
      ll += l;
      if (grad) *grad += g;
    }
    return ll;
  }

  // Log-likelihood of one visit pair from the row P[a, ·] and its derivatives; sets g to the
  // visit's score and adds its expected information to `info`.
  double contribution(const Interval& iv, const std::vector<double>& row, const MatrixXd& drow, const MatrixXd& Q,
                      const std::vector<MatrixXd>& dQ, bool derivs, VectorXd& g, MatrixXd* info) const {
    constexpr double tiny = 1e-300;
    if (!iv.exact_absorbing) {
      const double p = row[static_cast<std::size_t>(iv.to)];
      if (!(p > tiny)) return -std::numeric_limits<double>::infinity();
      if (derivs) {
        g = drow.col(iv.to) / p;
        if (info) {
          // Lower triangle only (mirrored once in `evaluate`), without temporaries.
          double* m = info->data();
          const Index n = P_;
          for (Index k = 0; k < S_; ++k) {
            const double pk = row[static_cast<std::size_t>(k)];
            if (!(pk > 1e-12)) continue;
            const double w = 1.0 / pk;
            const double* col = drow.col(k).data();
            for (Index v = 0; v < n; ++v) {
              const double cv = col[v] * w;
              if (cv == 0.0) continue;
              for (Index u = v; u < n; ++u) m[v * n + u] += col[u] * cv;  // column-major: (u, v)
            }
          }
        }
      }
      return std::log(p);
    }
    // Entered the absorbing state `to` at exactly dt from some other state k: Σ_k P_ak q_k,to.
    double lik = 0.0;
    for (Index k = 0; k < S_; ++k)
      if (k != iv.to) lik += row[static_cast<std::size_t>(k)] * Q(k, iv.to);
    if (!(lik > tiny)) return -std::numeric_limits<double>::infinity();
    if (derivs) {
      g.setZero(P_);
      for (Index u = 0; u < P_; ++u) {
        double s = 0.0;
        for (Index k = 0; k < S_; ++k)
          if (k != iv.to) s += drow(u, k) * Q(k, iv.to) + row[static_cast<std::size_t>(k)] * dQ[static_cast<std::size_t>(u)](k, iv.to);
        g[u] = s / lik;
      }
      if (info)  // outer product of the score (BHHH) for these visits, lower triangle
        for (Index v = 0; v < P_; ++v)
          for (Index u = v; u < P_; ++u) (*info)(u, v) += g[u] * g[v];
    }
    return std::log(lik);
  }

  const CompiledSpec& spec_;
  Index S_, P_;
  std::vector<Pattern> patterns_;
  bool force_pade_ = false;
};

// Groups the visit pairs of `data` by covariate pattern (`use_covariates` false: one pattern).
std::vector<Pattern> make_patterns(const PanelData& data, const model::Scenario* scenario, bool use_covariates,
                                   bool exact_absorbing, std::size_t& changes) {
  const std::size_t C = use_covariates ? data.covariate_names.size() : 0;
  std::map<std::vector<double>, std::size_t> index;
  std::vector<Pattern> out;
  changes = 0;
  std::vector<double> x(C);
  for (const Subject& s : data.subjects)
    for (std::size_t i = 0; i + 1 < s.time_years.size(); ++i) {
      const auto a = s.state[i], b = s.state[i + 1];
      if (scenario && scenario->states[a].absorbing) continue;
      for (std::size_t c = 0; c < C; ++c) x[c] = data.covariate(s, i, c);
      auto [it, inserted] = index.emplace(x, out.size());
      if (inserted) out.push_back(Pattern{x, {}});
      const bool exact = exact_absorbing && scenario && scenario->states[b].absorbing && a != b;
      out[it->second].intervals.push_back({static_cast<int>(a), static_cast<int>(b), s.time_years[i + 1] - s.time_years[i], exact});
      if (a != b) ++changes;
    }
  return out;
}

// Random starting points that are the same on every platform.
using Rng = random::SplitMix64;

constexpr double max_beta = 50.0;

void clamp(const CompiledSpec& spec, VectorXd& theta) {
  for (Index p = 0; p < theta.size(); ++p)
    if (!spec.parameter_is_beta[static_cast<std::size_t>(p)]) theta[p] = std::clamp(theta[p], detail::min_log_rate, max_log_rate);
    else theta[p] = std::clamp(theta[p], -max_beta, max_beta);
}

// A start has reached an optimum when the Newton decrement Uᵀ I⁻¹ U (twice the gain a Newton
// step predicts) is below this although the likelihood no longer moves: a flat ridge, a bound,
// or the last digits of the arithmetic. A start that stops with a larger score is stuck.
constexpr double optimum_decrement = 1e-3;

// Parameter i is held at a bound by a score pushing outwards.
bool pinned(const CompiledSpec& spec, const VectorXd& theta, const VectorXd& g, Index i) {
  const bool beta = spec.parameter_is_beta[static_cast<std::size_t>(i)];
  const double lo = beta ? -max_beta : detail::min_log_rate, hi = beta ? max_beta : max_log_rate;
  return (theta[i] <= lo + 1e-9 && g[i] < 0) || (theta[i] >= hi - 1e-9 && g[i] > 0);
}

// The Newton decrement gᵀ M⁻¹ g over the parameters that may still move, and the step M⁻¹ g:
// directions without information and without score (rates out of states never seen) and
// parameters held at a bound by a score pushing outwards are left out (their step is 0). NaN
// when M cannot be solved.
double decrement(const CompiledSpec& spec, const VectorXd& theta, VectorXd g, MatrixXd M, VectorXd& step) {
  for (Index i = 0; i < M.rows(); ++i) {
    if (pinned(spec, theta, g, i) || (!(M(i, i) > 1e-14) && std::abs(g[i]) < 1e-7)) {
      M.row(i).setZero();
      M.col(i).setZero();
      M(i, i) = 1.0;
      g[i] = 0.0;
    }
  }
  Eigen::LDLT<MatrixXd> ldlt(M);
  step = ldlt.solve(g);
  if (ldlt.info() != Eigen::Success || !step.allFinite() || g.dot(step) < 0) {
    M += MatrixXd::Identity(M.rows(), M.cols()) * (1e-6 * M.diagonal().cwiseAbs().maxCoeff() + 1e-10);
    step = M.ldlt().solve(g);
  }
  const double d = g.dot(step);
  return std::isfinite(d) ? d : std::numeric_limits<double>::quiet_NaN();
}

// The observed information -∂²log L/∂θ² at theta: central differences of the analytic score.
MatrixXd observed_information(const PanelModel& m, const VectorXd& theta, int& evaluations) {
  const Index P = theta.size();
  MatrixXd H(P, P);
  for (Index u = 0; u < P; ++u) {
    const double h = 1e-5 * std::max(1.0, std::abs(theta[u]));
    VectorXd tp = theta, tm = theta, gp, gm;
    tp[u] += h;
    tm[u] -= h;
    (void)m.evaluate(tp, &gp, nullptr);
    (void)m.evaluate(tm, &gm, nullptr);
    evaluations += 2;
    H.col(u) = (gm - gp) / (2 * h);
  }
  return 0.5 * (H + H.transpose());
}

struct Scoring {
  FitStatus status = FitStatus::failed;
  VectorXd theta;
  double ll = -std::numeric_limits<double>::infinity();
  double decrement = std::numeric_limits<double>::quiet_NaN();  // at theta, with the expected information
  int iterations = 0, evaluations = 0;
};

// One start: Fisher scoring with step halving from `theta`, made robust far from the optimum,
// where the expected information can be a poor model of the likelihood (moves seen in the data
// that have a probability near 0 dominate the score but hardly the information):
//   - when a scoring step gains next to nothing or has to be halved many times, a Newton step
//     on the observed information (its eigenvalues made positive) and a steepest-ascent step
//     are tried as well, and the best is taken;
//   - a rate that went (nearly) to 0 has next to no score on the log scale whatever the data
//     say about it: when progress is slow or the start would stop, each such rate is tried at
//     0.001 to 1 per year and the search goes on from the best when that improves log L.
// The status is `converged` only when the decrement is below the tolerance, or the likelihood
// stopped moving with a decrement below `optimum_decrement`; a start that stops anywhere else is
// `not_improving` (stuck), one that runs out of iterations `max_iterations`.
Scoring fisher_scoring(const PanelModel& m, const CompiledSpec& spec, VectorXd theta, const FitOptions& o) {
  Scoring s;
  struct Point {
    VectorXd theta, g;
    MatrixXd M;
    double ll = -std::numeric_limits<double>::infinity();
    int halvings = 0;
  };
  Point at;  // where the start is
  clamp(spec, theta);
  at.theta = theta;
  at.ll = m.evaluate(at.theta, &at.g, &at.M);
  ++s.evaluations;
  if (!std::isfinite(at.ll)) {
    s.theta = at.theta;
    return s;
  }
  auto evaluate = [&](VectorXd t) {
    Point c;
    c.theta = std::move(t);
    c.ll = m.evaluate(c.theta, &c.g, &c.M);
    ++s.evaluations;
    return c;
  };
  // The first point along `dir` by step halving (a move of at most 3 in any log rate, a factor
  // of 20: long steps overflow exp(Q t)) that is at least as good (`strict`: better).
  auto search = [&](VectorXd dir, int halvings, bool strict, Point& out) {
    const double big = dir.cwiseAbs().maxCoeff();
    if (!(big > 0) || !std::isfinite(big)) return false;
    if (big > 3.0) dir *= 3.0 / big;
    double a = 1.0;
    for (int h = 0; h < halvings; ++h, a *= 0.5) {
      VectorXd t = at.theta + a * dir;
      clamp(spec, t);
      Point c = evaluate(std::move(t));
      if (std::isfinite(c.ll) && (strict ? c.ll > at.ll : c.ll >= at.ll)) {
        c.halvings = h;
        out = std::move(c);
        return true;
      }
    }
    return false;
  };
  int escapes = 0;
  auto escape = [&]() {
    if (escapes >= 3 * static_cast<int>(at.theta.size())) return false;
    bool moved = false;
    for (Index i = 0; i < at.theta.size(); ++i) {
      if (spec.parameter_is_beta[static_cast<std::size_t>(i)] || at.theta[i] > detail::min_log_rate + 5.0) continue;
      Point best;
      best.ll = at.ll + 1e-10 * (1.0 + std::abs(at.ll));
      for (double r : {1e-3, 1e-2, 1e-1, 1.0}) {
        VectorXd t = at.theta;
        t[i] = std::log(r);
        Point c = evaluate(std::move(t));
        if (std::isfinite(c.ll) && c.ll > best.ll) best = std::move(c);
      }
      if (best.theta.size()) at = std::move(best), moved = true;
    }
    if (moved) ++escapes;
    return moved;
  };
  s.status = FitStatus::max_iterations;
  int small_changes = 0;
  for (s.iterations = 0;; ++s.iterations) {
    VectorXd step;
    const double dec = decrement(spec, at.theta, at.g, at.M, step);
    s.decrement = dec;
    const bool near_optimum = dec < optimum_decrement;
    std::optional<FitStatus> stop;
    if (dec < o.tolerance) stop = FitStatus::converged;
    // The likelihood no longer moves: an optimum on a flat ridge or at a bound, or stuck.
    else if (small_changes >= 3) stop = near_optimum ? FitStatus::converged : FitStatus::not_improving;
    else if (s.iterations >= o.max_iterations) break;
    Point next;
    bool accepted = false;
    const double tiny = 1e-10 * (1.0 + std::abs(at.ll));
    if (!stop) {
      accepted = std::isfinite(dec) && search(step, 30, false, next);
      if (!near_optimum && (!accepted || next.ll - at.ll < tiny || next.halvings >= 4)) {
        VectorXd up = at.g;
        for (Index i = 0; i < up.size(); ++i)
          if (pinned(spec, at.theta, at.g, i)) up[i] = 0.0;
        Eigen::SelfAdjointEigenSolver<MatrixXd> es(observed_information(m, at.theta, s.evaluations));
        Point alt;
        if (es.info() == Eigen::Success && es.eigenvalues().allFinite()) {
          const VectorXd ev = es.eigenvalues().cwiseAbs();
          const VectorXd inv = ev.cwiseMax(1e-8 * std::max(ev.maxCoeff(), 1e-300)).cwiseInverse();
          const VectorXd newton = es.eigenvectors() * inv.asDiagonal() * es.eigenvectors().transpose() * up;
          if (search(newton, 40, true, alt) && (!accepted || alt.ll > next.ll)) next = std::move(alt), accepted = true;
        }
        if ((!accepted || next.ll - at.ll < tiny) && search(up, 40, true, alt) && (!accepted || alt.ll > next.ll))
          next = std::move(alt), accepted = true;
      }
      if (!accepted) stop = near_optimum ? FitStatus::converged : FitStatus::not_improving;
    }
    if (stop) {
      if (s.iterations < o.max_iterations && escape()) {
        small_changes = 0;
        continue;
      }
      s.status = *stop;
      break;
    }
    const double gain = next.ll - at.ll;
    small_changes = gain < tiny ? small_changes + 1 : 0;
    at = std::move(next);
    if (!near_optimum && gain < 1e-6 * (1.0 + std::abs(at.ll)) && escape()) small_changes = 0;
  }
  s.theta = at.theta;
  s.ll = at.ll;
  return s;
}

// Reachability in the graph of edges with positive (or free) rates.
std::vector<std::vector<bool>> reachable(const CompiledSpec& spec) {
  const std::size_t S = spec.states;
  std::vector<std::vector<bool>> r(S, std::vector<bool>(S, false));
  for (std::size_t i = 0; i < S; ++i) r[i][i] = true;
  for (const auto& e : spec.edges)
    if (e.rate_parameter[0] >= 0 || e.fixed_rate[0] > 0) r[e.from][e.to] = true;
  for (std::size_t k = 0; k < S; ++k)
    for (std::size_t i = 0; i < S; ++i)
      if (r[i][k])
        for (std::size_t j = 0; j < S; ++j)
          if (r[k][j]) r[i][j] = true;
  return r;
}

}  // namespace

FitResult fit_panel(const model::Scenario& s, const PanelData& data, const ModelSpec& spec_in, const FitOptions& o) {
  const double t0 = detail::now_seconds();
  const CompiledSpec spec = compile_spec(s, data, spec_in, true);
  // Every observed change of state must be possible in the scenario's graph.
  {
    const auto reach = reachable(spec);
    std::vector<Diagnostic> problems;
    for (const Subject& sub : data.subjects)
      for (std::size_t i = 0; i + 1 < sub.time_years.size(); ++i) {
        const auto a = sub.state[i], b = sub.state[i + 1];
        bool ok = reach[a][b];
        if (ok && o.exact_absorbing && s.states[b].absorbing && a != b) {
          ok = false;
          for (const auto& e : spec.edges)
            if (e.to == b && reach[a][e.from]) ok = true;
        }
        if (!ok && problems.size() < 50)
          problems.push_back({data.source, sub.line[i + 1], "state",
                              "id '" + sub.id + "' is in '" + s.states[a].name + "' at time " + detail::fmt(sub.time_years[i], 10) +
                                  " and in '" + s.states[b].name + "' later, but the scenario has no path from '" +
                                  s.states[a].name + "' to '" + s.states[b].name + "'"});
      }
    if (!problems.empty()) throw ModelError(std::move(problems));
  }
  FitResult r;
  r.method = "panel";
  r.subjects = data.subjects.size();
  r.observations = data.observations();
  std::size_t changes = 0;
  PanelModel m(spec, make_patterns(data, &s, true, o.exact_absorbing, changes));
  r.transitions = changes;
  const auto P = static_cast<Index>(spec.parameter_names.size());

  // Starting points: the scenario's rates, crude estimates (moves between consecutive visits ÷
  // time at risk, as msm's crudeinits), then random perturbations of the crude ones.
  VectorXd crude = VectorXd::Zero(P), scen = VectorXd::Zero(P);
  {
    std::vector<double> time_in(spec.states, 0.0);
    std::map<std::pair<int, int>, double> n;
    for (const Subject& sub : data.subjects)
      for (std::size_t i = 0; i + 1 < sub.time_years.size(); ++i) {
        time_in[sub.state[i]] += sub.time_years[i + 1] - sub.time_years[i];
        if (sub.state[i] != sub.state[i + 1]) n[{static_cast<int>(sub.state[i]), static_cast<int>(sub.state[i + 1])}] += 1;
      }
    std::vector<double> sum(static_cast<std::size_t>(P), 0.0), cnt(static_cast<std::size_t>(P), 0.0),
        ssum(static_cast<std::size_t>(P), 0.0);
    for (const auto& e : spec.edges) {
      const int p = e.rate_parameter[0];
      if (p < 0) continue;
      const double exposure = time_in[e.from];
      const double moves = n.count({e.from, e.to}) ? n[{e.from, e.to}] : 0.0;
      // An edge never seen directly gets a small share of its state's observed exit rate.
      double rate = exposure > 0 ? moves / exposure : 0.0;
      if (!(rate > 0)) rate = exposure > 0 ? std::max(0.5 / exposure, 1e-3) : 0.1;
      sum[static_cast<std::size_t>(p)] += std::log(rate);
      const double sr = e.start_rate[0];
      ssum[static_cast<std::size_t>(p)] += std::log(std::isfinite(sr) && sr > 0 ? sr : rate);
      cnt[static_cast<std::size_t>(p)] += 1;
    }
    for (Index p = 0; p < P; ++p)
      if (cnt[static_cast<std::size_t>(p)] > 0) {
        crude[p] = sum[static_cast<std::size_t>(p)] / cnt[static_cast<std::size_t>(p)];
        scen[p] = ssum[static_cast<std::size_t>(p)] / cnt[static_cast<std::size_t>(p)];
      }
    // Betas start at the scenario's values.
    for (const auto& e : spec.edges) {
      const auto& tr = s.transitions[static_cast<std::size_t>(e.transition)];
      for (std::size_t c = 0; c < e.beta_parameter.size(); ++c) {
        if (e.beta_parameter[c] < 0) continue;
        for (const auto& ce : tr.covariates) {
          const auto& a = s.attributes[ce.attribute];
          const std::string nm = ce.level >= 0 ? a.name + "=" + a.levels[static_cast<std::size_t>(ce.level)] : a.name;
          if (nm == data.covariate_names[c]) scen[e.beta_parameter[c]] = ce.beta;
        }
      }
    }
  }
  std::vector<std::pair<std::string, VectorXd>> starts{{"scenario", scen}, {"crude", crude}};
  Rng rng{o.seed * 0x2545F4914F6CDD1Dull + 7};
  for (int k = 2; k < o.starts; ++k) {
    VectorXd v = crude;
    for (Index p = 0; p < P; ++p) v[p] += 0.5 * rng.normal();
    starts.emplace_back("random " + std::to_string(k - 1), v);
  }
  if (o.starts < static_cast<int>(starts.size())) starts.resize(static_cast<std::size_t>(std::max(1, o.starts)));

  Scoring best;
  std::size_t best_start = 0;
  for (const auto& [label, theta0] : starts) {
    Scoring sc = fisher_scoring(m, spec, theta0, o);
    r.evaluations += sc.evaluations;
    r.starts.push_back({label, sc.ll, sc.iterations, sc.status});
    if (!best.theta.size() || sc.ll > best.ll) best = sc, best_start = r.starts.size() - 1;
  }
  r.iterations = best.iterations;
  r.status = best.status;
  r.log_likelihood = best.ll;
  r.theta.assign(best.theta.data(), best.theta.data() + P);
  if (!std::isfinite(best.ll)) {
    r.status = FitStatus::failed;
    r.message = "the likelihood is zero at every starting point";
    r.seconds = detail::now_seconds() - t0;
    detail::finish_rate_fit(r, spec, s, MatrixXd::Zero(P, P));
    r.status = FitStatus::failed;
    r.notes.clear();  // about an information matrix that was never computed
    return r;
  }
  // Observed information: central differences of the analytic score.
  const MatrixXd info = observed_information(m, best.theta, r.evaluations);
  detail::finish_rate_fit(r, spec, s, info);
  r.message = "Fisher scoring with analytic derivatives of exp(Qt)";
  // The optimality check at the estimate, with the observed information: the score must be
  // near zero there as well (except for parameters held at a bound by a score pushing out).
  {
    VectorXd g, step;
    (void)m.evaluate(best.theta, &g, nullptr);
    ++r.evaluations;
    const double dec = decrement(spec, best.theta, g, info, step);
    if (r.status == FitStatus::converged || r.status == FitStatus::singular_information) {
      if (!(std::abs(dec) < optimum_decrement)) {
        r.status = FitStatus::not_improving;
        r.notes.push_back("the score is not zero at the estimate (U' I^-1 U = " + detail::fmt(dec, 3) +
                          " with the observed information): it is not a maximum of the likelihood");
      }
    }
    if (r.status == FitStatus::not_improving)
      r.message = "stuck: no step improves the log-likelihood although its score is not zero (U' I^-1 U = " +
                  detail::fmt(std::isfinite(best.decrement) ? best.decrement : dec, 3) +
                  "); the values are where the best start stopped, not estimates: try other starting values (--starts)";
  }
  r.starts[best_start].status = r.status;
  double worst = best.ll;
  for (const auto& st : r.starts)
    if (std::isfinite(st.log_likelihood)) worst = std::min(worst, st.log_likelihood);
  if (best.ll - worst > 1e-3 * std::max(1.0, std::abs(best.ll) * 1e-6) && r.starts.size() > 1)
    r.notes.push_back("starting points reached different log-likelihoods (lowest " + detail::fmt(worst, 10) +
                      "); the best is reported");
  r.seconds = detail::now_seconds() - t0;
  return r;
}

double detail::panel_score(const model::Scenario& s, const PanelData& data, const ModelSpec& spec_in,
                           const std::vector<double>& theta, std::vector<double>* grad, bool pade) {
  const CompiledSpec spec = compile_spec(s, data, spec_in, true);
  std::size_t changes = 0;
  PanelModel m(spec, make_patterns(data, &s, true, false, changes), pade);
  if (theta.size() != spec.parameter_names.size()) throw ModelError("", 0, "theta", "wrong number of parameters");
  const VectorXd t = Eigen::Map<const VectorXd>(theta.data(), static_cast<Index>(theta.size()));
  VectorXd g;
  const double ll = m.evaluate(t, grad ? &g : nullptr, nullptr);
  if (grad) grad->assign(g.data(), g.data() + g.size());
  return ll;
}

double panel_log_likelihood(const PanelData& data, const std::vector<double>& q, bool exact_absorbing) {
  const auto S = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(q.size()))));
  if (S * S != q.size() || S != data.state_names.size())
    throw ModelError("", 0, "q", "must be a square matrix with one row per state of the data (" +
                                     std::to_string(data.state_names.size()) + ")");
  CompiledSpec spec;
  spec.states = S;
  std::vector<bool> absorbing(S, true);
  for (std::size_t i = 0; i < S; ++i)
    for (std::size_t j = 0; j < S; ++j)
      if (i != j && q[i * S + j] > 0) {
        CompiledSpec::Edge e;
        e.from = static_cast<model::StateIndex>(i);
        e.to = static_cast<model::StateIndex>(j);
        e.breaks = {0.0};
        e.rate_parameter = {-1};
        e.fixed_rate = {q[i * S + j]};
        e.start_rate = {q[i * S + j]};
        spec.edges.push_back(e);
        absorbing[i] = false;
      }
  // Without a scenario: rows of q that are zero are the absorbing states.
  model::Scenario pseudo;
  for (std::size_t i = 0; i < S; ++i) {
    model::State st;
    st.name = data.state_names[i];
    st.absorbing = absorbing[i];
    pseudo.states.push_back(st);
  }
  std::size_t changes = 0;
  PanelModel m(spec, make_patterns(data, &pseudo, false, exact_absorbing, changes));
  return m.evaluate(VectorXd(), nullptr, nullptr);
}

}  // namespace trede::calib
