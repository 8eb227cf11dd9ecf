// Shared parts of the rate models: compiling what to estimate from a scenario, turning a
// parameter vector and its information into reported estimates, the readable summary.

#include <unsupported/Eigen/MatrixFunctions>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

#include "calib/internal.hpp"
#include "trede/calib/markov.hpp"
#include "trede/error.hpp"

namespace trede::calib {

const char* to_string(FitStatus s) noexcept {
  switch (s) {
    case FitStatus::converged: return "converged";
    case FitStatus::max_iterations: return "max_iterations";
    case FitStatus::not_improving: return "not_improving";
    case FitStatus::singular_information: return "singular_information";
    case FitStatus::failed: return "failed";
  }
  return "unknown";
}

namespace detail {

std::string fmt(double v, int digits) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

bool invert_information(const Eigen::MatrixXd& info, Eigen::MatrixXd& cov, std::vector<int>& bad) {
  const auto p = info.rows();
  cov = Eigen::MatrixXd::Constant(p, p, std::numeric_limits<double>::quiet_NaN());
  bad.clear();
  if (p == 0) return true;
  // Symmetric eigen-decomposition: eigenvalues at or below a relative tolerance mark directions
  // the data do not determine; the parameters loading on them get no variance.
  const Eigen::MatrixXd sym = 0.5 * (info + info.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(sym);
  if (es.info() != Eigen::Success) {
    for (int i = 0; i < p; ++i) bad.push_back(i);
    return false;
  }
  const Eigen::VectorXd ev = es.eigenvalues();
  const double top = std::max(ev.cwiseAbs().maxCoeff(), 1e-300);
  const double tol = top * 1e-10;
  bool ok = true;
  Eigen::MatrixXd V = es.eigenvectors();
  std::vector<bool> is_bad(static_cast<std::size_t>(p), false);
  for (int k = 0; k < p; ++k)
    if (ev[k] <= tol) {
      ok = false;
      for (int i = 0; i < p; ++i)
        if (std::abs(V(i, k)) > 1e-6) is_bad[static_cast<std::size_t>(i)] = true;
    }
  Eigen::MatrixXd inv = Eigen::MatrixXd::Zero(p, p);
  for (int k = 0; k < p; ++k)
    if (ev[k] > tol) inv += V.col(k) * V.col(k).transpose() / ev[k];
  for (int i = 0; i < p; ++i)
    for (int j = 0; j < p; ++j)
      if (!is_bad[static_cast<std::size_t>(i)] && !is_bad[static_cast<std::size_t>(j)]) cov(i, j) = inv(i, j);
  for (int i = 0; i < p; ++i)
    if (is_bad[static_cast<std::size_t>(i)]) bad.push_back(i);
  return ok;
}

void finish_rate_fit(FitResult& r, const CompiledSpec& spec, const model::Scenario& scenario,
                     const Eigen::MatrixXd& information) {
  const std::size_t p = spec.parameter_names.size();
  const std::size_t S = spec.states;
  r.parameters = p;
  r.parameter_names = spec.parameter_names;
  Eigen::MatrixXd cov;
  std::vector<int> bad;
  const bool ok = invert_information(information, cov, bad);
  r.covariance.assign(p * p, 0.0);
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = 0; j < p; ++j)
      r.covariance[i * p + j] = cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  if (!ok) {
    std::string names;
    for (int b : bad) names += (names.empty() ? "" : ", ") + spec.parameter_names[static_cast<std::size_t>(b)];
    r.notes.push_back("the information matrix is singular: no standard errors for " + names +
                      " (the data do not determine them; fix or share them)");
    if (r.status == FitStatus::converged) r.status = FitStatus::singular_information;
  }
  r.objective = -2.0 * r.log_likelihood;
  r.aic = r.objective + 2.0 * static_cast<double>(p);
  r.states.clear();
  for (const auto& st : scenario.states) r.states.push_back(st.name);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.q.assign(S * S, 0.0);
  r.q_lower.assign(S * S, nan);
  r.q_upper.assign(S * S, nan);
  Eigen::VectorXd theta = Eigen::Map<const Eigen::VectorXd>(r.theta.data(), static_cast<Eigen::Index>(r.theta.size()));
  auto var = [&](int i) { return i >= 0 ? cov(i, i) : nan; };
  r.estimates.clear();
  for (const auto& e : spec.edges) {
    const auto& tr = scenario.transitions[static_cast<std::size_t>(e.transition)];
    const bool pieces = e.breaks.size() > 1;
    for (std::size_t k = 0; k < e.breaks.size(); ++k) {
      Estimate est;
      est.kind = pieces ? "piece" : "rate";
      est.name = e.id;
      if (pieces) {
        est.name += " [" + fmt(e.breaks[k]) + ", " + (k + 1 < e.breaks.size() ? fmt(e.breaks[k + 1]) : "inf") + ") y";
        est.key = "transition[" + tr.id + "].rates[" + std::to_string(k) + "]";
      } else {
        est.key = "transition[" + tr.id + "].rate";
      }
      est.parameter = e.rate_parameter[k];
      est.fixed = est.parameter < 0;
      est.start = e.start_rate[k];
      est.estimate = base_rate(e, k, theta);
      if (est.fixed) {
        est.se = 0.0;
        est.lower = est.upper = est.estimate;
        est.key.clear();  // unchanged in the scenario
      } else {
        const double v = var(est.parameter);
        const double se_log = std::sqrt(v);
        est.se = est.estimate * se_log;
        est.lower = std::exp(theta[est.parameter] - z95 * se_log);
        est.upper = std::exp(theta[est.parameter] + z95 * se_log);
        if (theta[est.parameter] <= min_log_rate + 1e-6)
          r.notes.push_back("rate of " + est.name + " went to 0 (no evidence of this move in the data)");
      }
      if (k == 0) {
        r.q[e.from * S + e.to] += est.estimate;
        r.q_lower[e.from * S + e.to] = est.lower;
        r.q_upper[e.from * S + e.to] = est.upper;
      }
      r.estimates.push_back(std::move(est));
    }
  }
  for (std::size_t i = 0; i < S; ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < S; ++j)
      if (j != i) sum += r.q[i * S + j];
    r.q[i * S + i] = -sum;
  }
  // Mean sojourn times 1 / Σ_j q_ij: var(log sojourn) = gᵀ Σ g with g_u = ∂ log Σq / ∂θ_u
  // = (Σ of the rates that parameter u scales) / Σq.
  r.sojourn.assign(S, std::numeric_limits<double>::infinity());
  r.sojourn_lower = r.sojourn_upper = r.sojourn;
  for (std::size_t i = 0; i < S; ++i) {
    const double total = -r.q[i * S + i];
    if (!(total > 0)) continue;
    Eigen::VectorXd g = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(p));
    for (const auto& e : spec.edges)
      if (e.from == i && e.rate_parameter[0] >= 0) g[e.rate_parameter[0]] += base_rate(e, 0, theta) / total;
    double v = 0.0;  // only over the parameters involved: others may have no variance (NaN)
    for (Eigen::Index u = 0; u < g.size(); ++u)
      for (Eigen::Index w = 0; w < g.size(); ++w)
        if (g[u] != 0.0 && g[w] != 0.0) v += g[u] * cov(u, w) * g[w];
    r.sojourn[i] = 1.0 / total;
    const double half = g.isZero() ? 0.0 : z95 * std::sqrt(v);
    r.sojourn_lower[i] = std::exp(-std::log(total) - half);
    r.sojourn_upper[i] = std::exp(-std::log(total) + half);
  }
  // Covariate effects, once per parameter and edge.
  for (const auto& e : spec.edges) {
    const auto& tr = scenario.transitions[static_cast<std::size_t>(e.transition)];
    for (std::size_t c = 0; c < e.beta_parameter.size(); ++c) {
      const int pi = e.beta_parameter[c];
      if (pi < 0) continue;
      Estimate est;
      est.kind = "beta";
      // The parameter name is "beta[x]" (shared) or "beta[x] from->to"; the covariate name is
      // between the brackets.
      const std::string& pn = spec.parameter_names[static_cast<std::size_t>(pi)];
      const std::string cname = pn.substr(5, pn.find(']') - 5);
      est.name = "beta[" + cname + "] " + e.id;
      est.key = "transition[" + tr.id + "].covariates." + cname;
      est.parameter = pi;
      est.estimate = theta[pi];
      est.se = std::sqrt(var(pi));
      est.lower = est.estimate - z95 * est.se;
      est.upper = est.estimate + z95 * est.se;
      est.start = 0.0;
      for (const auto& ce : tr.covariates) {
        const auto& a = scenario.attributes[ce.attribute];
        const std::string n = ce.level >= 0 ? a.name + "=" + a.levels[static_cast<std::size_t>(ce.level)] : a.name;
        if (n == cname) est.start = ce.beta;
      }
      r.estimates.push_back(std::move(est));
    }
  }
}

}  // namespace detail

CompiledSpec compile_spec(const model::Scenario& s, const PanelData& data, const ModelSpec& spec, bool panel) {
  std::vector<Diagnostic> problems;
  const std::string file = s.source_path.empty() ? s.name : s.source_path;
  auto problem = [&](int line, const std::string& key, const std::string& msg) { problems.push_back({file, line, key, msg}); };
  // A problem of the model specification (fixed rates, shared groups, covariates), not of the
  // scenario file: it has no file, and its key names the entry (`fixed[a->b]`, `shared[0]`), which
  // the caller may name as it was given (the CLI's --fix, --share, --covariates).
  auto spec_problem = [&](const std::string& key, const std::string& msg) { problems.push_back({"", 0, key, msg}); };
  CompiledSpec c;
  c.states = s.states.size();
  const std::size_t C = data.covariate_names.size();
  std::map<std::string, std::size_t> edge_of;  // transition id -> index in c.edges
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < s.transitions.size(); ++i) {
    const auto& tr = s.transitions[i];
    if (tr.renege || s.states[tr.from].generated || s.states[tr.to].generated) continue;
    CompiledSpec::Edge e;
    e.id = tr.id;
    e.from = tr.from;
    e.to = tr.to;
    e.transition = static_cast<int>(i);
    e.beta_parameter.assign(C, -1);
    const auto fixed = spec.fixed.find(tr.id);
    const std::string key = "transition[" + tr.id + "]";
    if (tr.hazard.kind == model::HazardKind::exponential) {
      e.breaks = {0.0};
      e.start_rate = {tr.hazard.rate};
      // A calendar multiplier or a rate by year would make the fitted value ambiguous: the
      // rate written back would be multiplied again, or replace a schedule.
      const bool by_year = !tr.multiplier.constant() || (tr.rate_by_year && !tr.rate_by_year->constant());
      if ((by_year || tr.multiplier.before != 1.0) && fixed == spec.fixed.end())
        problem(tr.line, key + ".rate",
                !by_year ? "has a multiplier; calibration fits the rate itself (remove the multiplier, or fix "
                           "this transition with --fix)"
                         : "the rate changes by calendar year; calibration fits constant rates (fix this "
                           "transition with --fix or give one rate)");
    } else if (!panel && tr.hazard.kind == model::HazardKind::table && tr.hazard.clock == model::Clock::time_in_state) {
      if (tr.hazard.breaks.empty() || tr.hazard.breaks.front() != 0.0)
        problem(tr.line, key + ".breaks", "piecewise-constant hazards are fitted from breaks[0] = 0");
      e.breaks = tr.hazard.breaks;
      e.start_rate = tr.hazard.rates;
    } else if (fixed == spec.fixed.end()) {
      problem(tr.line, key + ".hazard",
              std::string(panel ? "panel-data fitting needs exponential hazards (a Markov model)"
                                : "event-history fitting needs exponential hazards or tables on the time_in_state clock") +
                  "; fix this transition with --fix " + tr.id + "=RATE");
      continue;
    } else {
      e.breaks = {0.0};
      e.start_rate = {std::numeric_limits<double>::quiet_NaN()};
    }
    e.rate_parameter.assign(e.breaks.size(), -1);
    e.fixed_rate.assign(e.breaks.size(), 0.0);
    edge_of[tr.id] = c.edges.size();
    ids.push_back(tr.id);
    c.edges.push_back(std::move(e));
  }
  auto unknown = [&](const std::string& what, const std::string& id) {
    std::string list;
    for (const auto& i : ids) list += (list.empty() ? "" : ", ") + i;
    spec_problem(what, "unknown transition '" + id + "' (transitions: " + list + ")");
  };
  for (const auto& [id, rate] : spec.fixed) {
    auto it = edge_of.find(id);
    if (it == edge_of.end()) {
      unknown("fixed[" + id + "]", id);
      continue;
    }
    if (!(rate >= 0) || !std::isfinite(rate)) spec_problem("fixed[" + id + "]", "a fixed rate must be >= 0 (per year)");
    auto& e = c.edges[it->second];
    e.fixed_rate.assign(e.breaks.size(), rate);
  }
  // Shared groups first (one parameter each), then every other free rate.
  std::map<std::size_t, int> group_param;
  std::set<std::string> in_group;
  for (std::size_t gi = 0; gi < spec.shared.size(); ++gi) {
    const auto& g = spec.shared[gi];
    const std::string group = "shared[" + std::to_string(gi) + "]";
    if (g.size() < 2) {
      spec_problem(group, "a shared group needs at least two transitions");
      continue;
    }
    std::string name = "log rate ";
    std::vector<std::size_t> members;
    for (const auto& id : g) {
      auto it = edge_of.find(id);
      if (it == edge_of.end()) {
        unknown(group, id);
        continue;
      }
      if (spec.fixed.count(id)) spec_problem(group, "'" + id + "' is both fixed and shared");
      if (!in_group.insert(id).second) spec_problem(group, "'" + id + "' is in two shared groups");
      if (c.edges[it->second].breaks.size() > 1)
        spec_problem(group, "'" + id + "' has a piecewise hazard; only constant rates can be shared");
      name += (members.empty() ? "" : " = ") + id;
      members.push_back(it->second);
    }
    const int pidx = static_cast<int>(c.parameter_names.size());
    c.parameter_names.push_back(name);
    c.parameter_is_beta.push_back(false);
    for (auto m : members) c.edges[m].rate_parameter[0] = pidx;
  }
  for (auto& e : c.edges) {
    if (spec.fixed.count(e.id) || in_group.count(e.id)) continue;
    for (std::size_t k = 0; k < e.breaks.size(); ++k) {
      e.rate_parameter[k] = static_cast<int>(c.parameter_names.size());
      std::string name = "log rate " + e.id;
      if (e.breaks.size() > 1)
        name += " [" + detail::fmt(e.breaks[k]) + ", " +
                (k + 1 < e.breaks.size() ? detail::fmt(e.breaks[k + 1]) : std::string("inf")) + ")";
      c.parameter_names.push_back(name);
      c.parameter_is_beta.push_back(false);
    }
  }
  for (const auto& cs : spec.covariates) {
    std::vector<std::size_t> cols;
    for (std::size_t j = 0; j < C; ++j)
      if (data.covariate_names[j] == cs.name || data.covariate_names[j].rfind(cs.name + "=", 0) == 0) cols.push_back(j);
    if (cols.empty()) {
      std::string list;
      for (const auto& n : data.covariate_names) list += (list.empty() ? "" : ", ") + n;
      spec_problem("covariates[" + cs.name + "]", "'" + cs.name + "' is not a covariate read from the data (read: " +
                                                    (list.empty() ? std::string("none") : list) + ")");
      continue;
    }
    std::vector<std::size_t> on;
    if (cs.edges.empty()) {
      for (std::size_t i = 0; i < c.edges.size(); ++i) on.push_back(i);
    } else {
      for (const auto& id : cs.edges) {
        auto it = edge_of.find(id);
        if (it == edge_of.end()) unknown("covariates[" + cs.name + "].on", id);
        else on.push_back(it->second);
      }
    }
    for (auto col : cols) {
      int shared_param = -1;
      for (auto ei : on) {
        auto& e = c.edges[ei];
        if (e.beta_parameter[col] >= 0) {
          spec_problem("covariates[" + cs.name + "]" + (cs.edges.empty() ? "" : ".on"), "effect of '" + data.covariate_names[col] + "' on " + e.id + " given twice");
          continue;
        }
        if (cs.shared && shared_param >= 0) {
          e.beta_parameter[col] = shared_param;
          continue;
        }
        const int pidx = static_cast<int>(c.parameter_names.size());
        c.parameter_names.push_back("beta[" + data.covariate_names[col] + "]" + (cs.shared ? "" : " " + e.id));
        c.parameter_is_beta.push_back(true);
        e.beta_parameter[col] = pidx;
        if (cs.shared) shared_param = pidx;
      }
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  return c;
}

std::vector<double> matrix_exponential(const std::vector<double>& q, double t) {
  const auto n = static_cast<Eigen::Index>(std::llround(std::sqrt(static_cast<double>(q.size()))));
  if (n * n != static_cast<Eigen::Index>(q.size())) throw ModelError("", 0, "q", "must be a square matrix");
  Eigen::MatrixXd Q = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(q.data(), n, n);
  Eigen::MatrixXd P = (Q * t).exp();
  std::vector<double> out(q.size());
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) out[static_cast<std::size_t>(i * n + j)] = P(i, j);
  return out;
}

std::string summary(const FitResult& r) {
  std::ostringstream os;
  using detail::fmt;
  const char* what = r.method == "panel"   ? "panel data, continuous-time Markov model (matrix exponential)"
                     : r.method == "exact" ? "event histories (exact transition times, right-censored)"
                                           : "aggregate targets, simulated method of moments (common random numbers)";
  os << "calibration: " << what << "\n";
  if (r.subjects) os << "data: " << r.subjects << " people, " << r.observations << " observations, " << r.transitions
                     << (r.method == "panel" ? " intervals with a change of state\n" : " transitions\n");
  os << "status: " << to_string(r.status) << " after " << r.iterations << " iterations (" << r.evaluations
     << " evaluations) in " << fmt(r.seconds, 3) << " s";
  if (!r.message.empty()) os << "; " << r.message;
  os << "\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-44s %12s %12s %12s %12s %12s\n", "parameter", "estimate", "se", "95% lower",
                "95% upper", "start");
  os << line;
  for (const auto& e : r.estimates) {
    std::string extra;
    if (e.kind == "beta")
      extra = "  hazard ratio " + fmt(std::exp(e.estimate)) + " [" + fmt(std::exp(e.lower)) + ", " + fmt(std::exp(e.upper)) + "]";
    std::snprintf(line, sizeof line, "  %-44s %12s %12s %12s %12s %12s%s\n", e.name.c_str(), fmt(e.estimate).c_str(),
                  e.fixed ? "fixed" : fmt(e.se).c_str(), e.fixed ? "" : fmt(e.lower).c_str(),
                  e.fixed ? "" : fmt(e.upper).c_str(), fmt(e.start).c_str(), extra.c_str());
    os << line;
  }
  os << "\n";
  if (r.method == "targets") {
    os << "objective (weighted sum of squares): " << fmt(r.objective, 6) << " with " << r.targets.size()
       << " target values and " << r.parameters << " parameters\n";
  } else {
    os << "log-likelihood: " << fmt(r.log_likelihood, 10) << "   -2 log L: " << fmt(r.objective, 10)
       << "   AIC: " << fmt(r.aic, 10) << "   parameters: " << r.parameters << "\n";
  }
  if (!r.sojourn.empty()) {
    os << "mean sojourn (years, covariates 0):";
    for (std::size_t i = 0; i < r.sojourn.size() && i < r.states.size(); ++i)
      if (std::isfinite(r.sojourn[i]))
        os << "  " << r.states[i] << " " << fmt(r.sojourn[i]) << " [" << fmt(r.sojourn_lower[i]) << ", "
           << fmt(r.sojourn_upper[i]) << "]";
    os << "\n";
  }
  if (r.starts.size() > 1) {
    os << "starting points:";
    for (const auto& s : r.starts) os << "  " << s.label << " " << fmt(s.log_likelihood, 10) << " (" << to_string(s.status) << ")";
    os << "\n";
  }
  if (!r.targets.empty()) {
    os << "\nfit per target:\n";
    std::snprintf(line, sizeof line, "  %-36s %9s %12s %12s %12s %10s %8s\n", "target", "time", "observed", "sd",
                  "simulated", "sim se", "z");
    os << line;
    for (const auto& t : r.targets) {
      std::snprintf(line, sizeof line, "  %-36s %9.2f %12s %12s %12s %10s %8.2f\n", t.id.c_str(), t.time,
                    fmt(t.observed).c_str(), fmt(t.sd).c_str(), fmt(t.simulated).c_str(), fmt(t.simulated_se, 3).c_str(), t.z);
      os << line;
    }
  }
  for (const auto& n : r.notes) os << "note: " << n << "\n";
  return os.str();
}

}  // namespace trede::calib
