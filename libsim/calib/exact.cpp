// Event histories with exact transition times: piecewise-constant hazards per edge.
//
// The likelihood of exactly observed, right-censored histories under piecewise-constant hazards
// is a Poisson likelihood: every (edge, piece) contributes d·log λ − λ·E with d the moves along
// the edge in that piece and E the exposure (time at risk in the origin state, in the piece).
// Without covariates the maximum is λ = d / E in closed form; with log-linear covariates,
// Newton–Raphson on the same likelihood is exact (it is concave in the log-rates and betas), and
// its negative Hessian is the observed information.

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "calib/internal.hpp"
#include "trede/calib/markov.hpp"
#include "trede/error.hpp"

namespace trede::calib {
namespace {

// One stretch of exposure of one edge piece, ending in `events` moves along the edge.
struct Record {
  int edge = 0;
  int piece = 0;
  double exposure = 0.0;  // years
  double events = 0.0;
  const double* x = nullptr;  // covariate row, or nullptr for all zeros
};

struct PoissonModel {
  const CompiledSpec& spec;
  std::size_t C;  // covariates per row
  std::vector<Record> records;

  double log_rate(const Record& r, const Eigen::VectorXd& theta) const {
    const auto& e = spec.edges[static_cast<std::size_t>(r.edge)];
    const int p = e.rate_parameter[static_cast<std::size_t>(r.piece)];
    double lr = p >= 0 ? theta[p] : std::log(e.fixed_rate[static_cast<std::size_t>(r.piece)]);
    if (r.x)
      for (std::size_t c = 0; c < C; ++c)
        if (e.beta_parameter[c] >= 0) lr += theta[e.beta_parameter[c]] * r.x[c];
    return lr;
  }

  // Log-likelihood, and when asked its gradient and Hessian.
  double evaluate(const Eigen::VectorXd& theta, Eigen::VectorXd* grad, Eigen::MatrixXd* hess) const {
    const auto P = theta.size();
    if (grad) grad->setZero(P);
    if (hess) hess->setZero(P, P);
    double ll = 0.0;
    std::vector<std::pair<int, double>> z;
    for (const Record& r : records) {
      const double lr = log_rate(r, theta);
      if (lr == -std::numeric_limits<double>::infinity()) {
        if (r.events > 0) return -std::numeric_limits<double>::infinity();
        continue;
      }
      const double lambda = std::exp(lr);
      ll += (r.events > 0 ? r.events * lr : 0.0) - lambda * r.exposure;
      if (!grad && !hess) continue;
      const auto& e = spec.edges[static_cast<std::size_t>(r.edge)];
      z.clear();
      if (const int p = e.rate_parameter[static_cast<std::size_t>(r.piece)]; p >= 0) z.emplace_back(p, 1.0);
      if (r.x)
        for (std::size_t c = 0; c < C; ++c)
          if (e.beta_parameter[c] >= 0 && r.x[c] != 0.0) z.emplace_back(e.beta_parameter[c], r.x[c]);
      const double resid = r.events - lambda * r.exposure;
      const double w = lambda * r.exposure;
      for (auto [u, zu] : z) {
        if (grad) (*grad)[u] += resid * zu;
        if (hess)
          for (auto [v, zv] : z) (*hess)(u, v) -= w * zu * zv;
      }
    }
    return ll;
  }
};

// Newton–Raphson with step halving from `theta`; returns the status.
FitStatus newton(const PoissonModel& m, Eigen::VectorXd& theta, const FitOptions& o, int& iterations, int& evaluations,
                 double& ll) {
  Eigen::VectorXd g;
  Eigen::MatrixXd H;
  ll = m.evaluate(theta, &g, &H);
  ++evaluations;
  for (iterations = 0; iterations < o.max_iterations; ++iterations) {
    Eigen::MatrixXd info = -H;
    // Directions without information (a piece with no exposure) are held still.
    for (Eigen::Index i = 0; i < info.rows(); ++i)
      if (!(info(i, i) > 1e-300)) info(i, i) = 1.0, g[i] = 0.0;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(info);
    Eigen::VectorXd step = ldlt.solve(g);
    if (ldlt.info() != Eigen::Success || !step.allFinite()) step = g / std::max(1.0, g.norm());
    const double decrement = g.dot(step);
    if (decrement < o.tolerance) return FitStatus::converged;
    double a = 1.0;
    bool improved = false;
    for (int h = 0; h < 40; ++h, a *= 0.5) {
      Eigen::VectorXd cand = theta + a * step;
      for (std::size_t p = 0; p < m.spec.parameter_is_beta.size(); ++p)
        if (!m.spec.parameter_is_beta[p]) cand[static_cast<Eigen::Index>(p)] = std::max(cand[static_cast<Eigen::Index>(p)], detail::min_log_rate);
      Eigen::VectorXd g2;
      Eigen::MatrixXd H2;
      const double ll2 = m.evaluate(cand, &g2, &H2);
      ++evaluations;
      if (std::isfinite(ll2) && ll2 >= ll - 1e-12 * std::abs(ll)) {
        improved = ll2 > ll || (cand - theta).norm() < 1e-12;
        theta = cand;
        ll = ll2;
        g = g2;
        H = H2;
        break;
      }
    }
    if (!improved) return FitStatus::not_improving;
  }
  return FitStatus::max_iterations;
}

FitResult fit_poisson(const model::Scenario& s, const CompiledSpec& spec, PoissonModel& m, const FitOptions& o,
                      double t0) {
  FitResult r;
  r.method = "exact";
  const auto P = static_cast<Eigen::Index>(spec.parameter_names.size());
  // Start at the closed form per piece (exact when there are no covariates and no sharing).
  std::vector<double> d(static_cast<std::size_t>(P), 0.0), E(static_cast<std::size_t>(P), 0.0);
  for (const Record& rec : m.records) {
    const int p = spec.edges[static_cast<std::size_t>(rec.edge)].rate_parameter[static_cast<std::size_t>(rec.piece)];
    if (p < 0) continue;
    d[static_cast<std::size_t>(p)] += rec.events;
    E[static_cast<std::size_t>(p)] += rec.exposure;
  }
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(P);
  for (Eigen::Index p = 0; p < P; ++p) {
    if (spec.parameter_is_beta[static_cast<std::size_t>(p)]) continue;
    const auto i = static_cast<std::size_t>(p);
    theta[p] = d[i] > 0 && E[i] > 0 ? std::log(d[i] / E[i]) : detail::min_log_rate;
  }
  double ll = 0.0;
  r.status = newton(m, theta, o, r.iterations, r.evaluations, ll);
  Eigen::VectorXd g;
  Eigen::MatrixXd H;
  ll = m.evaluate(theta, &g, &H);
  r.log_likelihood = ll;
  r.theta.assign(theta.data(), theta.data() + P);
  // Parameters stuck at a zero rate carry no information; their intervals come from the exact
  // Poisson bound below instead.
  Eigen::MatrixXd info = -H;
  std::vector<bool> zero(static_cast<std::size_t>(P), false);
  for (Eigen::Index p = 0; p < P; ++p)
    if (!spec.parameter_is_beta[static_cast<std::size_t>(p)] && theta[p] <= detail::min_log_rate + 1e-6 &&
        d[static_cast<std::size_t>(p)] == 0) {
      zero[static_cast<std::size_t>(p)] = true;
      info.row(p).setZero();
      info.col(p).setZero();
      info(p, p) = 1.0;
    }
  detail::finish_rate_fit(r, spec, s, info);
  for (auto& est : r.estimates) {
    if (est.parameter < 0 || !zero[static_cast<std::size_t>(est.parameter)]) continue;
    const double exposure = E[static_cast<std::size_t>(est.parameter)];
    if (!(exposure > 0)) {
      // Nobody was at risk: the data say nothing; the scenario's value stays.
      est.estimate = est.start;
      est.se = est.lower = est.upper = std::numeric_limits<double>::quiet_NaN();
      est.key.clear();
      continue;
    }
    est.estimate = 0.0;
    est.se = std::numeric_limits<double>::quiet_NaN();
    est.lower = 0.0;
    est.upper = exposure > 0 ? -std::log(0.025) / exposure : std::numeric_limits<double>::infinity();
  }
  // The exact bound below says more than the generic "went to 0" note.
  std::erase_if(r.notes, [](const std::string& n) { return n.find("went to 0") != std::string::npos; });
  for (std::size_t p = 0; p < static_cast<std::size_t>(P); ++p)
    if (zero[p]) {
      r.covariance[p * static_cast<std::size_t>(P) + p] = std::numeric_limits<double>::quiet_NaN();
      if (!(E[p] > 0)) {
        r.notes.push_back(spec.parameter_names[p].substr(9) + ": nobody at risk in the data; left at the scenario's value");
        continue;
      }
      r.notes.push_back(spec.parameter_names[p].substr(9) + ": no moves in " + detail::fmt(E[p]) +
                        " person-years at risk; estimate 0, exact 95% upper bound 3.689 / person-years");
    }
  // Rebuild q from the patched estimates (zero rates); estimates come edge by edge, piece by
  // piece, in the order of spec.edges, and q holds the first piece.
  const std::size_t S = spec.states;
  r.q.assign(S * S, 0.0);
  std::size_t idx = 0;
  for (const auto& e : spec.edges) {
    r.q[e.from * S + e.to] += r.estimates[idx].estimate;
    r.q_lower[e.from * S + e.to] = r.estimates[idx].lower;
    r.q_upper[e.from * S + e.to] = r.estimates[idx].upper;
    idx += e.breaks.size();
  }
  for (std::size_t i = 0; i < S; ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < S; ++j)
      if (j != i) sum += r.q[i * S + j];
    r.q[i * S + i] = -sum;
    if (i < r.sojourn.size()) r.sojourn[i] = sum > 0 ? 1.0 / sum : std::numeric_limits<double>::infinity();
  }
  r.message = r.status == FitStatus::converged ? "Newton-Raphson on the Poisson likelihood" : r.message;
  r.starts.push_back({"closed form", r.log_likelihood, r.iterations, r.status});
  r.seconds = detail::now_seconds() - t0;
  return r;
}

}  // namespace

FitResult fit_exact(const model::Scenario& s, const PanelData& data, const ModelSpec& spec_in, const FitOptions& o) {
  const double t0 = detail::now_seconds();
  const CompiledSpec spec = compile_spec(s, data, spec_in, false);
  const std::size_t C = data.covariate_names.size();
  // Edges by (from, to); parallel transitions between the same two states cannot be told apart.
  std::map<std::pair<model::StateIndex, model::StateIndex>, int> edge_of;
  std::map<model::StateIndex, std::vector<int>> out_of;
  for (std::size_t i = 0; i < spec.edges.size(); ++i) {
    const auto& e = spec.edges[i];
    auto [it, ins] = edge_of.emplace(std::make_pair(e.from, e.to), static_cast<int>(i));
    if (!ins) it->second = -1;
    out_of[e.from].push_back(static_cast<int>(i));
  }
  PoissonModel m{spec, C, {}};
  std::vector<Diagnostic> problems;
  std::size_t moves = 0;
  for (const Subject& sub : data.subjects) {
    double entry = sub.time_years.empty() ? 0.0 : sub.time_years.front();
    for (std::size_t i = 0; i + 1 < sub.time_years.size(); ++i) {
      const auto a = sub.state[i], b = sub.state[i + 1];
      if (i > 0 && sub.state[i] != sub.state[i - 1]) entry = sub.time_years[i];
      const double u0 = sub.time_years[i] - entry, u1 = sub.time_years[i + 1] - entry;
      int fired = -1;
      if (a != b) {
        auto it = edge_of.find({a, b});
        if (it == edge_of.end() || it->second < 0) {
          problems.push_back({data.source, sub.line[i + 1], "state",
                              it == edge_of.end()
                                  ? "id '" + sub.id + "' moves from '" + s.states[a].name + "' to '" + s.states[b].name +
                                        "', which is not a transition of the scenario"
                                  : "parallel transitions " + s.states[a].name + "->" + s.states[b].name +
                                        " cannot be told apart in event histories"});
          if (problems.size() >= 50) throw ModelError(std::move(problems));
          continue;
        }
        fired = it->second;
        const auto& fe = spec.edges[static_cast<std::size_t>(fired)];
        if (fe.rate_parameter[0] < 0 && !(fe.fixed_rate[0] > 0)) {
          problems.push_back({data.source, sub.line[i + 1], "state",
                              "id '" + sub.id + "' moves along " + fe.id + ", which is fixed at rate 0"});
          continue;
        }
        ++moves;
      }
      const double* x = C ? &sub.covariates[i * C] : nullptr;
      auto out = out_of.find(a);
      if (out == out_of.end()) continue;
      for (int ei : out->second) {
        const auto& e = spec.edges[static_cast<std::size_t>(ei)];
        const std::size_t K = e.breaks.size();
        for (std::size_t k = 0; k < K; ++k) {
          const double lo = std::max(u0, e.breaks[k]);
          const double hi = std::min(u1, k + 1 < K ? e.breaks[k + 1] : std::numeric_limits<double>::infinity());
          // The move happens at u1, in the piece whose half-open interval (b_k, b_k+1] holds it.
          const bool here = ei == fired && u1 > e.breaks[k] && (k + 1 == K || u1 <= e.breaks[k + 1]);
          if (hi > lo || here)
            m.records.push_back({ei, static_cast<int>(k), std::max(0.0, hi - lo), here ? 1.0 : 0.0, x});
        }
      }
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  FitResult r = fit_poisson(s, spec, m, o, t0);
  r.subjects = data.subjects.size();
  r.observations = data.observations();
  r.transitions = moves;
  return r;
}

FitResult fit_exact_counts(const model::Scenario& s, const ExactCounts& counts, const ModelSpec& spec_in) {
  const double t0 = detail::now_seconds();
  PanelData empty;
  const CompiledSpec spec = compile_spec(s, empty, spec_in, true);
  if (counts.moves.size() != s.transitions.size() || counts.person_years.size() != s.states.size())
    throw ModelError("", 0, "counts", "need one move count per transition (" + std::to_string(s.transitions.size()) +
                                          ") and person-years per state (" + std::to_string(s.states.size()) + ")");
  PoissonModel m{spec, 0, {}};
  double moves = 0;
  for (std::size_t i = 0; i < spec.edges.size(); ++i) {
    const auto& e = spec.edges[i];
    const double d = counts.moves[static_cast<std::size_t>(e.transition)];
    m.records.push_back({static_cast<int>(i), 0, counts.person_years[e.from], d, nullptr});
    moves += d;
  }
  FitResult r = fit_poisson(s, spec, m, FitOptions{}, t0);
  r.transitions = static_cast<std::size_t>(moves);
  return r;
}

}  // namespace trede::calib
