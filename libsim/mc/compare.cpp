#include "trede/mc/compare.hpp"

#include <cmath>
#include <limits>
#include <algorithm>
#include <set>
#include <string>

#include "trede/error.hpp"
#include "trede/model/load.hpp"
#include "trede/random/distributions.hpp"

namespace trede::mc {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::vector<double> to_double(const std::vector<std::int32_t>& v) { return {v.begin(), v.end()}; }

// Continued fraction of the regularised incomplete beta function (modified Lentz).
double beta_fraction(double a, double b, double x) {
  const double tiny = 1e-300, eps = 1e-16;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < eps) break;
  }
  return h;
}

// I_x(a, b).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  return x < (a + 1.0) / (a + b + 2.0) ? front * beta_fraction(a, b, x) / a
                                       : 1.0 - front * beta_fraction(b, a, 1.0 - x) / b;
}

// Student t cumulative distribution function with ν degrees of freedom.
double student_t_cdf(double t, double nu) {
  const double tail = 0.5 * incomplete_beta(nu / 2.0, 0.5, nu / (nu + t * t));
  return t >= 0.0 ? 1.0 - tail : tail;
}

}  // namespace

double student_t_quantile(double p, double nu) {
  if (!(p > 0.0 && p < 1.0) || !(nu >= 1.0)) return nan;
  if (nu == 1.0) return std::tan(M_PI * (p - 0.5));
  if (nu == 2.0) return (2.0 * p - 1.0) / std::sqrt(2.0 * p * (1.0 - p));
  // Start from the Cornish–Fisher expansion around the normal quantile (Abramowitz & Stegun
  // 26.7.5), then Newton steps on the exact t distribution function.
  const double z = random::normal_quantile(p);
  const double z2 = z * z;
  const double g1 = (z2 + 1.0) * z / 4.0;
  const double g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
  const double g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
  double t = z + g1 / nu + g2 / (nu * nu) + g3 / (nu * nu * nu);
  const double log_norm = std::lgamma((nu + 1.0) / 2.0) - std::lgamma(nu / 2.0) - 0.5 * std::log(nu * M_PI);
  for (int i = 0; i < 20; ++i) {
    const double density = std::exp(log_norm - (nu + 1.0) / 2.0 * std::log1p(t * t / nu));
    const double step = (student_t_cdf(t, nu) - p) / density;
    t -= step;
    if (std::fabs(step) < 1e-13 * (1.0 + std::fabs(t))) break;
  }
  return t;
}

Difference paired_difference(const std::vector<double>& a, const std::vector<double>& b, std::size_t R,
                             double confidence, std::size_t per_unit) {
  const std::size_t N = R == 0 ? 0 : a.size() / R;
  const std::size_t g = std::max<std::size_t>(per_unit, 1);
  if (R % g != 0) throw Error("mc::paired_difference: " + std::to_string(R) + " replicates are not whole units of " + std::to_string(g));
  const std::size_t U = R / g;
  Difference d;
  d.mean.assign(N, nan);
  d.sd.assign(N, nan);
  d.lo.assign(N, nan);
  d.hi.assign(N, nan);
  std::vector<double> unit(U);
  for (std::size_t j = 0; j < N; ++j) {
    // The difference of each unit: of one replicate, or the mean over a draw's replicates.
    for (std::size_t u = 0; u < U; ++u) {
      double s = 0.0;
      std::size_t k = 0;
      for (std::size_t i = u * g; i < (u + 1) * g; ++i) {
        const double x = a[i * N + j] - b[i * N + j];
        if (!std::isnan(x)) s += x, ++k;
      }
      unit[u] = k == 0 ? nan : s / static_cast<double>(k);
    }
    double sum = 0.0;
    std::size_t n = 0;
    for (const double x : unit)
      if (!std::isnan(x)) sum += x, ++n;
    if (n == 0) continue;
    const double mean = sum / static_cast<double>(n);
    double ss = 0.0;
    for (const double x : unit)
      if (!std::isnan(x)) ss += (x - mean) * (x - mean);
    d.mean[j] = mean;
    if (n < 2) continue;
    const double sd = std::sqrt(ss / static_cast<double>(n - 1));
    const double half = student_t_quantile(0.5 + confidence / 2.0, static_cast<double>(n - 1)) * sd /
                        std::sqrt(static_cast<double>(n));
    d.sd[j] = sd;
    d.lo[j] = mean - half;
    d.hi[j] = mean + half;
  }
  return d;
}

std::vector<std::string> builtin_organisation_models() {
  return {"partieel", "gecombineerd", "integraal", "bedrijf_beschut_werk", "klassiek"};
}

std::vector<model::Scenario> organisation_variants(const model::Scenario& base, const std::vector<std::string>& models) {
  std::vector<std::string> list = models;
  if (list.size() == 1 && list.front() == "all") list = builtin_organisation_models();
  std::vector<std::string> known;
  for (const auto& m : base.organisation_models) known.push_back(m.name);
  std::vector<Diagnostic> problems;
  for (const auto& m : list)
    if (std::find(known.begin(), known.end(), m) == known.end()) {
      std::string all;
      for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
      problems.push_back({"", 0, "organisation_models", "unknown organisation model '" + m + "' (known: " + all + ")"});
    }
  if (list.size() < 2) problems.push_back({"", 0, "organisation_models", "give at least two organisation models (or all)"});
  if (!problems.empty()) throw ModelError(std::move(problems));
  std::vector<model::Scenario> out;
  for (const auto& m : list) {
    std::vector<std::string> o = base.overrides;
    o.push_back("organisation_model=\"" + m + "\"");
    // Regions that name their own model are run by this one too.
    if (base.regions.size() > 1 || base.regions.front().name != "all")
      for (std::size_t g = 0; g < base.regions.size(); ++g)
        o.push_back("region[" + std::to_string(g) + "].organisation_model=\"" + m + "\"");
    o.push_back("name=\"" + base.name + " (" + m + ")\"");
    out.push_back(model::reparse(base, base.text, o));
  }
  return out;
}

void check_comparable(const std::vector<model::Scenario>& scenarios) {
  if (scenarios.size() < 2) throw ModelError("", 0, "scenarios", "compare needs at least two scenarios");
  const model::Scenario& ref = scenarios.front();
  std::vector<Diagnostic> problems;
  for (std::size_t i = 1; i < scenarios.size(); ++i)
    if (scenarios[i].report_times != ref.report_times)
      problems.push_back({scenarios[i].source_path, 0, "report",
                          "report times differ from the reference scenario '" + ref.name +
                              "'; compared scenarios must share the report grid"});
  if (!problems.empty()) throw ModelError(std::move(problems));
}

void CompareOptions::check() const {
  std::vector<Diagnostic> problems;
  try {
    run.check(draws > 0 ? 1 : 2);
    decision.check();
  } catch (const ModelError& e) {
    problems = e.diagnostics();
  }
  if (draws == 1) problems.push_back({"", 0, "draws", "a probabilistic sensitivity analysis needs at least 2 draws"});
  if (problems.empty() && measure_independent &&
      run.first_replicate + run.replicates > std::numeric_limits<std::uint64_t>::max() - run.replicates)
    problems.push_back({"", 0, "first_replicate",
                        "the independent runs use replicates first_replicate + replicates .. first_replicate + "
                        "2 replicates, which must be below 2^64"});
  if (!(confidence > 0.0 && confidence < 1.0))
    problems.push_back({"", 0, "confidence", "must be between 0 and 1 (got " + std::to_string(confidence) + ")"});
  if (!problems.empty()) throw ModelError(std::move(problems));
}

Comparison compare(const std::vector<model::Scenario>& scenarios, const CompareOptions& options) {
  ThreadExecutor threads;
  return compare(scenarios, options, threads);
}

namespace {

// Every scenario on the same parameter draws (a PSA each), paired by draw and replicate.
Comparison compare_draws(const std::vector<model::Scenario>& scenarios, const CompareOptions& options, Executor& executor) {
  std::vector<const model::Scenario*> ptrs;
  for (const auto& s : scenarios) ptrs.push_back(&s);
  const DrawSet draws = draw_parameters(ptrs, options.draws, options.method, options.run.seed);
  PsaOptions po;
  po.run = options.run;
  po.run.progress = nullptr;
  po.draws = options.draws;
  po.method = options.method;
  po.common_streams = options.common_streams;
  po.confidence = options.confidence;
  std::vector<std::string> names;
  std::vector<Ensemble> pooled;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    po.progress = [&, i](std::uint64_t done, std::uint64_t total) {
      if (options.run.progress) options.run.progress(i * total + done, scenarios.size() * total);
      if (options.run_progress) options.run_progress(i, scenarios.size(), done, total);
    };
    names.push_back(scenarios[i].name);
    pooled.push_back(psa(scenarios[i], draws, po, executor).pooled);
  }
  if (!executor.root()) return {};
  Comparison c = compare_ensembles(std::move(names), std::move(pooled), {}, options.confidence, options.run.replicates);
  c.draws = draws;
  c.common_streams = options.common_streams;
  return c;
}

}  // namespace

Comparison compare(const std::vector<model::Scenario>& scenarios, const CompareOptions& options, Executor& executor) {
  check_comparable(scenarios);
  options.check();
  if (options.draws > 0) {
    Comparison c = compare_draws(scenarios, options, executor);
    if (executor.root()) c.decision = decide(c, scenarios, options.decision);
    return c;
  }
  const std::uint64_t R = options.run.replicates;
  const std::size_t runs = scenarios.size() + (options.measure_independent ? scenarios.size() - 1 : 0);
  std::size_t current = 0;
  RunOptions ro = options.run;
  ro.progress = [&](std::uint64_t done, std::uint64_t) {
    if (options.run.progress) options.run.progress(current * R + done, runs * R);
    if (options.run_progress) options.run_progress(current, runs, done, R);
  };
  std::vector<std::string> names;
  std::vector<Ensemble> ensembles, independent;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    names.push_back(scenarios[i].name);
    ro.sink = options.sink ? options.sink(i) : nullptr;
    ensembles.push_back(executor.run(engine::Simulator(scenarios[i]), ro));
    ++current;
  }
  if (options.measure_independent) {
    RunOptions ind = ro;
    ind.sink = nullptr;
    ind.first_replicate = options.run.first_replicate + R;  // disjoint streams: measured, not assumed
    ind.trace_people = 0;                                   // only the paired runs are kept whole
    if (options.sink) ind.per_region = false;               // nor are their regions, when those stream
    for (std::size_t i = 1; i < scenarios.size(); ++i) {
      independent.push_back(executor.run(engine::Simulator(scenarios[i]), ind));
      ++current;
    }
  }
  if (!executor.root()) return {};
  Comparison c = compare_ensembles(std::move(names), std::move(ensembles), std::move(independent), options.confidence);
  c.decision = decide(c, scenarios, options.decision);
  return c;
}

Comparison compare_ensembles(std::vector<std::string> names, std::vector<Ensemble> ensembles,
                             std::vector<Ensemble> independent, double confidence, std::uint64_t replicates_per_draw) {
  if (ensembles.size() < 2) throw ModelError("", 0, "scenarios", "compare needs at least two scenarios");
  if (names.size() != ensembles.size()) throw Error("mc::compare_ensembles: one name per ensemble");
  if (!independent.empty() && independent.size() + 1 != ensembles.size())
    throw Error("mc::compare_ensembles: one independent run per scenario after the reference");
  // Paired differences need the same replicates, seed and shapes everywhere.
  const Ensemble& ref = ensembles.front();
  const engine::Layout& L = ref.layout;
  std::vector<Diagnostic> problems;
  auto check = [&](const Ensemble& e, const std::string& name, std::uint64_t first) {
    if (e.layout.report_times != L.report_times)
      problems.push_back({"", 0, "report", "scenario '" + name + "': report times differ from the reference scenario '" +
                                               names.front() + "'; compared scenarios must share the report grid"});
    else if (e.layout.K() != L.K() || e.layout.Kp() != L.Kp())
      problems.push_back({"", 0, "", "scenario '" + name + "': other KPIs than the reference '" + names.front() + "'"});
    if (e.replicates != ref.replicates || e.seed != ref.seed || e.first_replicate != first)
      throw Error("mc::compare_ensembles: scenario '" + name + "' was run with other replicates or seed");
  };
  for (std::size_t i = 1; i < ensembles.size(); ++i) check(ensembles[i], names[i], ref.first_replicate);
  for (std::size_t i = 0; i < independent.size(); ++i)
    check(independent[i], names[i + 1], independent.front().first_replicate);
  if (!problems.empty()) throw ModelError(std::move(problems));
  if (replicates_per_draw > 0 && (!independent.empty() || ref.replicates % replicates_per_draw != 0))
    throw Error("mc::compare_ensembles: a PSA comparison has whole draws and no independent runs");
  Comparison c;
  c.confidence = confidence;
  c.replicates_per_draw = replicates_per_draw;
  std::set<std::string> seen;
  for (const std::string& n : names) {
    std::string name = n;
    for (int k = 2; !seen.insert(name).second; ++k) name = n + "#" + std::to_string(k);
    c.names.push_back(name);
  }
  c.ensembles = std::move(ensembles);
  c.independent = std::move(independent);
  const std::uint64_t R = c.ensembles.front().replicates;
  const bool measure = !c.independent.empty();
  const Ensemble& base = c.ensembles.front();
  const std::vector<double>& base_kpi = base.values<double>("kpi");
  const std::vector<double>& base_kpi_period = base.values<double>("kpi_period");
  const auto base_trede = to_double(base.values<std::int32_t>("trede_occupancy"));
  for (std::size_t i = 1; i < c.ensembles.size(); ++i) {
    const Ensemble& e = c.ensembles[i];
    const std::size_t unit = std::max<std::uint64_t>(replicates_per_draw, 1);
    c.kpi.push_back(paired_difference(e.values<double>("kpi"), base_kpi, R, confidence, unit));
    c.kpi_period.push_back(paired_difference(e.values<double>("kpi_period"), base_kpi_period, R, confidence, unit));
    c.trede.push_back(
        paired_difference(to_double(e.values<std::int32_t>("trede_occupancy")), base_trede, R, confidence, unit));
    if (!measure) continue;
    const Ensemble& ind = c.independent[i - 1];
    c.kpi_independent.push_back(paired_difference(ind.values<double>("kpi"), base_kpi, R, confidence));
    const Difference ind_period = paired_difference(ind.values<double>("kpi_period"), base_kpi_period, R, confidence);
    auto ratio = [](const std::vector<double>& sd_ind, const std::vector<double>& sd_crn) {
      std::vector<double> r(sd_ind.size());
      for (std::size_t j = 0; j < r.size(); ++j) {
        const double vi = sd_ind[j] * sd_ind[j], vc = sd_crn[j] * sd_crn[j];
        r[j] = vc > 0.0 ? vi / vc : (vi > 0.0 ? std::numeric_limits<double>::infinity() : nan);
      }
      return r;
    };
    c.variance_reduction_kpi.push_back(ratio(c.kpi_independent.back().sd, c.kpi.back().sd));
    c.variance_reduction_kpi_period.push_back(ratio(ind_period.sd, c.kpi_period.back().sd));
  }
  return c;
}

}  // namespace trede::mc
