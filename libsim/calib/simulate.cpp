// Synthetic longitudinal data from a scenario (see include/trede/calib/simulate.hpp).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "calib/internal.hpp"
#include "model/text_edit.hpp"
#include "random/splitmix.hpp"
#include "trede/calib/simulate.hpp"
#include "trede/error.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace trede::calib {
namespace {

// Splitmix64: a small generator whose output is the same on every platform. Person i of seed s
// uses the stream seeded with (s, i), so data sets of different sizes share their first people.
struct Rng : random::SplitMix64 {
  Rng(std::uint64_t seed, std::uint64_t person)
      : SplitMix64{seed * 0x9E3779B97F4A7C15ull ^ (person + 1) * 0xD1B54A32D192ED03ull} {}
};

// Start states and their weights from the scenario's population groups.
std::vector<std::pair<model::StateIndex, double>> start_states(const model::Scenario& s) {
  std::vector<std::pair<model::StateIndex, double>> out;
  for (const auto& g : s.regions.front().initial)
    if (g.count > 0) out.emplace_back(g.state, static_cast<double>(g.count));
  if (out.empty()) throw ModelError(s.source_path, 0, "population", "the scenario has no population groups to start people in");
  return out;
}

model::StateIndex draw_start(const std::vector<std::pair<model::StateIndex, double>>& w, Rng& rng) {
  double total = 0;
  for (const auto& x : w) total += x.second;
  double u = rng.uniform() * total;
  for (const auto& x : w) {
    if (u < x.second) return x.first;
    u -= x.second;
  }
  return w.back().first;
}

std::vector<double> visit_times(const SimulateOptions& o, Rng& rng) {
  std::vector<double> t{0.0};
  while (true) {
    const double gap = o.mean_visit_gap_years * (1.0 + o.visit_jitter * (2.0 * rng.uniform() - 1.0));
    if (t.back() + gap > o.follow_up_years) break;
    t.push_back(t.back() + gap);
  }
  return t;
}

void check_options(const SimulateOptions& o) {
  if (o.people == 0) throw ModelError("", 0, "people", "must be >= 1");
  if (!(o.follow_up_years > 0)) throw ModelError("", 0, "follow_up_years", "must be > 0");
  if (!(o.mean_visit_gap_years > 0)) throw ModelError("", 0, "mean_visit_gap_years", "must be > 0");
  if (!(o.visit_jitter >= 0 && o.visit_jitter < 1)) throw ModelError("", 0, "visit_jitter", "must be in [0, 1)");
}

std::string id_of(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "p%06zu", i + 1);
  return buf;
}

}  // namespace

PanelData simulate_markov_data(const model::Scenario& s, const SimulateOptions& o) {
  check_options(o);
  PanelData d;
  d.source = "simulated (Markov process)";
  for (const auto& st : s.states) d.state_names.push_back(st.name);
  std::vector<const model::Attribute*> attrs;
  for (const auto& c : o.covariates) {
    const model::Attribute* a = s.find_attribute(c.name);
    if (!a || (a->kind != model::AttributeKind::number && a->kind != model::AttributeKind::age))
      throw ModelError("", 0, "covariates", "'" + c.name + "' is not a number or age attribute of the scenario");
    d.covariate_names.push_back(c.name);
    d.covariate_centers.push_back(a->center);
    attrs.push_back(a);
  }
  const std::size_t C = attrs.size(), S = s.states.size();
  // Outgoing exponential transitions per state with their effects on the simulated covariates.
  struct Out {
    model::StateIndex to;
    double rate;
    std::vector<double> beta;  // per simulated covariate
  };
  std::vector<std::vector<Out>> out(S);
  for (const auto& tr : s.transitions) {
    if (tr.hazard.kind != model::HazardKind::exponential || !tr.multiplier.constant() ||
        (tr.rate_by_year && !tr.rate_by_year->constant()))
      throw ModelError(s.source_path, tr.line, "transition[" + tr.id + "]",
                       "the Markov data generator needs constant exponential rates");
    Out x{tr.to, tr.hazard.rate * tr.multiplier.before, std::vector<double>(C, 0.0)};
    for (const auto& ce : tr.covariates)
      for (std::size_t c = 0; c < C; ++c)
        if (&s.attributes[ce.attribute] == attrs[c]) x.beta[c] = ce.beta;
    out[tr.from].push_back(x);
  }
  const auto starts = start_states(s);
  std::vector<double> xc(C);
  std::vector<double> rates;
  for (std::size_t i = 0; i < o.people; ++i) {
    Rng rng(o.seed, i);
    Subject sub;
    sub.id = id_of(i);
    for (std::size_t c = 0; c < C; ++c) xc[c] = o.covariates[c].mean + o.covariates[c].sd * rng.normal() - attrs[c]->center;
    model::StateIndex state = draw_start(starts, rng);
    const std::vector<double> visits = o.exact ? std::vector<double>{} : visit_times(o, rng);
    auto record = [&](double t, model::StateIndex st) {
      sub.time_years.push_back(s.start_year + t);
      sub.state.push_back(st);
      sub.covariates.insert(sub.covariates.end(), xc.begin(), xc.end());
      sub.line.push_back(0);
    };
    record(0.0, state);
    double t = 0.0;
    std::size_t next_visit = 1;
    while (true) {
      // Competing exponential risks: total rate, then the destination in proportion.
      rates.clear();
      double total = 0;
      for (const auto& x : out[state]) {
        double lr = 0;
        for (std::size_t c = 0; c < C; ++c) lr += x.beta[c] * xc[c];
        rates.push_back(x.rate * std::exp(lr));
        total += rates.back();
      }
      const double t_next = total > 0 ? t + rng.exponential(total) : std::numeric_limits<double>::infinity();
      if (!o.exact)
        while (next_visit < visits.size() && visits[next_visit] < t_next) record(visits[next_visit++], state);
      if (t_next > o.follow_up_years) {
        if (o.exact && !s.states[state].absorbing) record(o.follow_up_years, state);  // censored
        break;
      }
      double u = rng.uniform() * total;
      std::size_t k = 0;
      while (k + 1 < rates.size() && u >= rates[k]) u -= rates[k++];
      state = out[state][k].to;
      t = t_next;
      if (o.exact) record(t, state);
      if (s.states[state].absorbing) {
        if (!o.exact && next_visit < visits.size()) record(visits[next_visit], state);  // seen at the next visit
        break;
      }
    }
    d.subjects.push_back(std::move(sub));
  }
  return d;
}

PanelData simulate_engine_data(const model::Scenario& s, const SimulateOptions& o) {
  check_options(o);
  if (!o.covariates.empty()) throw ModelError("", 0, "covariates", "the engine data generator does not record covariates");
  if (o.exact) throw ModelError("", 0, "exact", "the engine data generator gives panel data only");
  if (s.regions.size() > 1) throw ModelError(s.source_path, 0, "region", "the engine data generator needs a scenario without regions");
  if (!s.regions.front().individuals.empty()) throw ModelError(s.source_path, 0, "population", "the engine data generator needs population groups, not a CSV");
  const auto starts = start_states(s);
  PanelData d;
  d.source = "simulated (trede engine)";
  for (const auto& st : s.states) d.state_names.push_back(st.name);
  const std::size_t K = std::max<std::size_t>(1, std::min(o.schedules, o.people));
  std::uint64_t first = 0;
  std::size_t person = 0;
  for (std::size_t k = 0; k < K; ++k) {
    const std::size_t n = o.people / K + (k < o.people % K ? 1 : 0);
    if (n == 0) continue;
    Rng rng(o.seed ^ 0x5EED5EED5EEDull, k);
    const std::vector<double> visits = visit_times(o, rng);
    const model::StateIndex start = draw_start(starts, rng);
    // One person in `start`, nobody else, no inflow; report times = the visits.
    std::vector<std::pair<std::string, std::string>> set;
    std::string times = "[";
    char buf[64];
    for (std::size_t v = 0; v < visits.size(); ++v) {
      std::snprintf(buf, sizeof buf, "%.17g", s.start_year + visits[v]);
      times += (v ? ", " : "") + std::string(buf);
    }
    times += "]";
    set.emplace_back("report.times", times);
    std::vector<std::string> overrides = s.overrides;
    std::snprintf(buf, sizeof buf, "%.17g", visits.back() > 0 ? visits.back() : o.follow_up_years);
    overrides.push_back(std::string("horizon_years=") + buf);
    // The region's groups and inflows: the top-level template, or its own [[region.*]] lists.
    const model::Region& region = s.regions.front();
    const std::string owner = region.share ? "" : "region[0].";
    bool placed = false;
    for (std::size_t g = 0; g < region.initial.size(); ++g) {
      const bool here = !placed && region.initial[g].state == start;
      placed = placed || here;
      overrides.push_back(owner + "population[" + std::to_string(g) + "].count=" + (here ? "1" : "0"));
    }
    for (std::size_t f = 0; f < region.inflows.size(); ++f)
      overrides.push_back(owner + "inflow[" + std::to_string(f) + "].rate_per_year=0");
    const std::string text = model::detail::edit_text(s.text, s.source_path, set, {"report.step_years"});
    const model::Scenario one = model::reparse(s, text, overrides);
    mc::RunOptions ro;
    ro.replicates = n;
    ro.seed = o.seed;
    ro.first_replicate = first;  // distinct people across schedules
    ro.threads = 0;
    const mc::Ensemble e = mc::run(one, ro);
    first += n;
    const std::size_t T = e.layout.T(), S = e.layout.S();
    const std::vector<std::int32_t>& occupancy = e.values<std::int32_t>("occupancy");
    for (std::size_t r = 0; r < n; ++r, ++person) {
      Subject sub;
      sub.id = id_of(person);
      for (std::size_t t = 0; t < T; ++t) {
        std::size_t where = S;
        for (std::size_t st = 0; st < S; ++st)
          if (occupancy[(r * T + t) * S + st] > 0) where = st;
        if (where == S) break;
        sub.time_years.push_back(e.layout.report_times[t]);
        sub.state.push_back(static_cast<model::StateIndex>(where));
        sub.line.push_back(0);
        if (s.states[where].absorbing) break;
      }
      d.subjects.push_back(std::move(sub));
    }
  }
  return d;
}

}  // namespace trede::calib
