// Holding-time distributions: a state whose only way out is one edge with a Weibull, gamma,
// log-normal, fixed or table hazard must reproduce that distribution — its mean and variance
// (from the recorded sojourn sums per flow edge) and its survival curve (occupancy of the state
// at report times), also with a calendar multiplier or a covariate on a non-exponential hazard,
// and for hazard tables on the calendar and age clocks.
// A Weibull edge racing an exponential one gives the competing-risks split.
// Closed forms are written here independently of the library (Boost.Math for the gamma).

#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <tuple>
#include <string>
#include <vector>

#include "stat_support.hpp"

namespace trede::stat_test {
namespace {

constexpr int people = 20000;
constexpr std::size_t replicates = 40;

// One single-edge state with a reference distribution.
struct Case {
  std::string state;
  std::string hazard_toml;           // keys of the [[transition]]
  std::function<double(double)> S;  // survival function, t in years
  double mean = 0.0;
  double variance = 0.0;
  bool plain = true;  // no covariate or multiplier: the library's hazard_mean/variance apply
  std::string population_extra = "";  // extra keys of the [[population]] group
};

// Piecewise-constant hazard on time in state: H(t) = Σ rate_i · overlap([b_i, b_{i+1}), [0, t)).
double table_H(const std::vector<double>& breaks, const std::vector<double>& rates, double t) {
  double H = 0.0;
  for (std::size_t i = 0; i < breaks.size() && t > breaks[i]; ++i) {
    const double end = i + 1 < breaks.size() ? std::min(t, breaks[i + 1]) : t;
    H += rates[i] * (end - breaks[i]);
  }
  return H;
}

// Mean and variance of a holding time from its survival function: E T = ∫S, E T² = ∫2tS,
// integrated piece by piece between the given kinks (Simpson is exact enough between them).
std::pair<double, double> moments_from_survival(const std::function<double(double)>& S, std::vector<double> kinks,
                                                double upper) {
  kinks.insert(kinks.begin(), 0.0);
  kinks.push_back(upper);
  double m1 = 0.0, m2 = 0.0;
  for (std::size_t i = 0; i + 1 < kinks.size(); ++i) {
    if (kinks[i + 1] <= kinks[i]) continue;
    m1 += simpson(S, kinks[i], kinks[i + 1], 20000);
    m2 += simpson([&](double t) { return 2.0 * t * S(t); }, kinks[i], kinks[i + 1], 20000);
  }
  return {m1, m2 - m1 * m1};
}

std::vector<Case> cases() {
  std::vector<Case> out;
  {
    const double k = 1.5, lam = 1.2;
    out.push_back({"a_weibull", "hazard = \"weibull\"\nshape = 1.5\nscale = 1.2",
                   [=](double t) { return std::exp(-std::pow(t / lam, k)); }, lam * std::tgamma(1 + 1 / k),
                   lam * lam * (std::tgamma(1 + 2 / k) - std::pow(std::tgamma(1 + 1 / k), 2))});
  }
  {
    const double k = 0.7, lam = 1.0;  // decreasing hazard, long tail
    out.push_back({"a_weibull_decreasing", "hazard = \"weibull\"\nshape = 0.7\nscale = 1.0",
                   [=](double t) { return std::exp(-std::pow(t / lam, k)); }, lam * std::tgamma(1 + 1 / k),
                   lam * lam * (std::tgamma(1 + 2 / k) - std::pow(std::tgamma(1 + 1 / k), 2))});
  }
  {
    const double a = 2.5, th = 0.4;
    out.push_back({"a_gamma", "hazard = \"gamma\"\nshape = 2.5\nscale = 0.4",
                   [=](double t) { return t <= 0 ? 1.0 : boost::math::gamma_q(a, t / th); }, a * th, a * th * th});
  }
  {
    const double a = 0.6, rate = 2.0;  // shape < 1, given as a rate
    out.push_back({"a_gamma_rate", "hazard = \"gamma\"\nshape = 0.6\nrate = 2.0",
                   [=](double t) { return t <= 0 ? 1.0 : boost::math::gamma_q(a, t * rate); }, a / rate,
                   a / (rate * rate)});
  }
  {
    const double m = -0.2, sd = 0.5;
    out.push_back({"a_lognormal", "hazard = \"lognormal\"\nmeanlog = -0.2\nsdlog = 0.5",
                   [=](double t) { return t <= 0 ? 1.0 : 0.5 * std::erfc((std::log(t) - m) / (sd * std::sqrt(2.0))); },
                   std::exp(m + sd * sd / 2), (std::exp(sd * sd) - 1) * std::exp(2 * m + sd * sd)});
  }
  {
    const std::vector<double> b = {0.0, 0.5, 2.0}, r = {0.2, 1.5, 0.8};
    auto S = [=](double t) { return std::exp(-table_H(b, r, t)); };
    const auto [m, v] = moments_from_survival(S, b, 80.0);
    out.push_back({"a_table", "hazard = \"table\"\nbreaks = [0.0, 0.5, 2.0]\nrates = [0.2, 1.5, 0.8]", S, m, v});
  }
  {
    // No hazard for the first quarter year (a minimum stay), then 1.0, then 0.5 a year.
    const std::vector<double> b = {0.25, 1.0}, r = {1.0, 0.5};
    auto S = [=](double t) { return std::exp(-table_H(b, r, t)); };
    const auto [m, v] = moments_from_survival(S, b, 100.0);
    out.push_back({"a_table_delayed", "hazard = \"table\"\nbreaks = [0.25, 1.0]\nrates = [1.0, 0.5]", S, m, v});
  }
  {
    // Calendar multiplier on a Weibull hazard: h(x)·m(calendar), m = 2 in 2026, 0.5 from 2027,
    // so H(t) = H_W(min(t,1)) + 2·[H_W(min(t,2)) − H_W(1)]⁺ + 0.5·[H_W(t) − H_W(2)]⁺.
    auto HW = [](double t) { return std::pow(std::max(t, 0.0) / 1.2, 1.5); };
    auto S = [=](double t) {
      double H = HW(std::min(t, 1.0));
      if (t > 1.0) H += 2.0 * (HW(std::min(t, 2.0)) - HW(1.0));
      if (t > 2.0) H += 0.5 * (HW(t) - HW(2.0));
      return std::exp(-H);
    };
    const auto [m, v] = moments_from_survival(S, {1.0, 2.0}, 80.0);
    out.push_back({"a_weibull_multiplier",
                   "hazard = \"weibull\"\nshape = 1.5\nscale = 1.2\nmultiplier = {2026 = 2.0, 2027 = 0.5}", S, m, v,
                   false});
  }
  {
    // Covariate factor c = exp(0.5·z) with z = 1 on a Weibull: S = exp(−c·H_W).
    const double c = std::exp(0.5);
    auto S = [=](double t) { return std::exp(-c * std::pow(std::max(t, 0.0) / 1.2, 1.5)); };
    const auto [m, v] = moments_from_survival(S, {}, 80.0);
    out.push_back({"a_weibull_covariate", "hazard = \"weibull\"\nshape = 1.5\nscale = 1.2\ncovariates = {z = 0.5}", S,
                   m, v, false});
  }
  {
    // Covariate factor c = exp(−0.4·z) on a gamma hazard: S = Q(a, t/θ)^c.
    const double c = std::exp(-0.4), a = 2.5, th = 0.4;
    auto S = [=](double t) { return t <= 0 ? 1.0 : std::pow(boost::math::gamma_q(a, t / th), c); };
    const auto [m, v] = moments_from_survival(S, {}, 80.0);
    out.push_back({"a_gamma_covariate", "hazard = \"gamma\"\nshape = 2.5\nscale = 0.4\ncovariates = {z = -0.4}", S, m,
                   v, false});
  }
  {
    // Hazard table on the calendar clock: 0.3 a year in 2025, 1.2 from 2026, 0.6 from 2027.5.
    const std::vector<double> b = {2025.0, 2026.0, 2027.5}, r = {0.3, 1.2, 0.6};
    auto S = [=](double t) { return std::exp(-(table_H(b, r, 2025.0 + t) - table_H(b, r, 2025.0))); };
    const auto [m, v] = moments_from_survival(S, {1.0, 2.5}, 80.0);
    out.push_back({"a_table_calendar",
                   "hazard = \"table\"\nclock = \"calendar\"\nbreaks = [2025.0, 2026.0, 2027.5]\nrates = [0.3, 1.2, 0.6]", S,
                   m, v, false});
  }
  {
    // Hazard table on the age clock (mortality-style): 0 before 58, 0.3 a year from 58, 1.0 from
    // 62, with ages at the start uniform on [55, 65]: S(t) = E_a0 exp(−(H(a0+t) − H(a0))).
    const std::vector<double> b = {0.0, 58.0, 62.0}, r = {0.0, 0.3, 1.0};
    auto S = [=](double t) {
      auto f = [&](double a0) { return std::exp(-(table_H(b, r, a0 + t) - table_H(b, r, a0))); };
      std::vector<double> cuts = {55.0, 65.0};
      for (double k : {58.0 - t, 62.0 - t, 58.0, 62.0})
        if (k > 55.0 && k < 65.0) cuts.push_back(k);
      std::sort(cuts.begin(), cuts.end());
      double total = 0.0;
      for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
        if (cuts[i + 1] > cuts[i]) total += simpson(f, cuts[i], cuts[i + 1], 40);
      return total / 10.0;
    };
    const auto [m, v] = moments_from_survival(S, {3.0, 7.0}, 60.0);
    Case c{"a_table_age",
           "hazard = \"table\"\nclock = \"age\"\nbreaks = [0.0, 58.0, 62.0]\nrates = [0.0, 0.3, 1.0]", S, m, v, false};
    c.population_extra = "attributes = {leeftijd = {dist = \"uniform\", min = 55.0, max = 65.0}}\n";
    out.push_back(c);
  }
  return out;
}

std::string scenario_text(const std::vector<Case>& cs) {
  std::string t = R"(
name = "holding-times"
start_year = 2025.0
horizon_years = 60.0

[report]
times = [2025.0, 2025.1, 2025.25, 2025.5, 2025.75, 2026.0, 2026.25, 2026.5, 2026.75, 2027.0, 2028.0, 2030.0, 2085.0]

[attributes]
z = {type = "number", default = 1.0}
leeftijd = {type = "age", default = 40.0}
)";
  for (const Case& c : cs) t += "\n[[state]]\nname = \"" + c.state + "\"\ntrede = 2\n";
  t += R"(
[[state]]
name = "a_fixed"
trede = 2

[[state]]
name = "a_competing"
trede = 2

[[state]]
name = "b"
absorbing = true

[[state]]
name = "b_competing"
absorbing = true

[[state]]
name = "c_competing"
absorbing = true
)";
  for (const Case& c : cs) t += "\n[[transition]]\nfrom = \"" + c.state + "\"\nto = \"b\"\n" + c.hazard_toml + "\n";
  t += R"(
[[transition]]
from = "a_fixed"
to = "b"
hazard = "fixed"
duration = 1.5

[[transition]]
from = "a_competing"
to = "b_competing"
hazard = "weibull"
shape = 2.0
scale = 1.0

[[transition]]
from = "a_competing"
to = "c_competing"
rate = 0.5
)";
  for (const Case& c : cs)
    t += "\n[[population]]\nstate = \"" + c.state + "\"\ncount = " + std::to_string(people) + "\n" + c.population_extra;
  for (const char* s : {"a_fixed", "a_competing"})
    t += "\n[[population]]\nstate = \"" + std::string(s) + "\"\ncount = " + std::to_string(people) + "\n";
  return t;
}

class HoldingTime : public StatTest {
 protected:
  // One scenario for the whole suite; the ensemble is run on first use and shared (ctest runs
  // each test in its own process, so it is never run twice there).
  static void SetUpTestSuite() {
    cases_ = cases();
    scenario_ = model::parse_scenario(scenario_text(cases_), "holding-times.toml");
  }
  static void TearDownTestSuite() { ensemble_.reset(); }

  const mc::Ensemble& ensemble() const {
    if (!ensemble_ || ensemble_->seed != seed()) ensemble_ = std::make_unique<mc::Ensemble>(mc::run(scenario_, options(replicates)));
    return *ensemble_;
  }

  // Total moves along edge f over all periods, per replicate.
  std::vector<double> moves(std::size_t f) const {
    const auto& e = ensemble();
    const auto& L = e.layout;
    std::vector<double> n(e.replicates, 0.0);
    for (std::size_t r = 0; r < e.replicates; ++r)
      for (std::size_t k = 0; k < L.P(); ++k) n[r] += e.values<std::int32_t>("flows")[at3(r, k, f, L.P(), L.E())];
    return n;
  }

  // Mean occupancy fraction of `state` at report time k.
  double occupancy_fraction(const std::string& state, std::size_t k) const {
    const auto& e = ensemble();
    const auto& L = e.layout;
    const std::size_t j = state_index(L, state);
    double sum = 0.0;
    for (std::size_t r = 0; r < e.replicates; ++r)
      sum += e.values<std::int32_t>("occupancy")[at3(r, k, j, L.T(), L.S())];
    return sum / (static_cast<double>(e.replicates) * people);
  }

  static inline std::vector<Case> cases_;
  static inline model::Scenario scenario_;
  static inline std::unique_ptr<mc::Ensemble> ensemble_;
};

TEST_F(HoldingTime, LibraryMomentsMatchClosedForms) {
  for (std::size_t i = 0; i < cases_.size(); ++i) {
    if (!cases_[i].plain) continue;
    const model::Hazard& h = scenario_.transitions[i].hazard;
    EXPECT_NEAR(model::hazard_mean(h), cases_[i].mean, 1e-7 * cases_[i].mean) << cases_[i].state;
    EXPECT_NEAR(model::hazard_variance(h), cases_[i].variance, 1e-6 * cases_[i].variance) << cases_[i].state;
  }
  const model::Hazard& fixed = scenario_.transitions[cases_.size()].hazard;
  EXPECT_EQ(model::hazard_mean(fixed), 1.5);
  EXPECT_EQ(model::hazard_variance(fixed), 0.0);
}

TEST_F(HoldingTime, MeanAndVarianceReproduced) {
  const auto& e = ensemble();
  const std::size_t E = e.layout.E();
  for (std::size_t i = 0; i < cases_.size(); ++i) {
    const Case& c = cases_[i];
    const std::size_t f = edge_index(e.layout, c.state + "->b");
    ASSERT_EQ(f, i) << "scenario transitions come first among the flow edges, in file order";
    const auto n = moves(f);
    double moved = 0.0, sum = 0.0;
    std::vector<double> var(e.replicates);
    for (std::size_t r = 0; r < e.replicates; ++r) {
      moved += n[r];
      sum += e.values<double>("sojourn_sum")[r * E + f];
      const double m = e.values<double>("sojourn_sum")[r * E + f] / n[r];
      var[r] = (e.values<double>("sojourn_sumsq")[r * E + f] / n[r] - m * m) * n[r] / (n[r] - 1.0);
    }
    // Truncation at the 60-year horizon is negligible for every case (S(60) < 1e-7).
    const double expected_moved = static_cast<double>(e.replicates) * people * (1.0 - c.S(60.0));
    EXPECT_NEAR(moved, expected_moved, 5.0 + 4.0 * std::sqrt(expected_moved * c.S(60.0))) << c.state << rerun();
    expect_z("mean holding time " + c.state, sum / moved, c.mean, std::sqrt(c.variance / moved));
    const auto v = estimate(var);
    expect_z("variance of holding time " + c.state, v.mean, c.variance, v.se);
  }
  // Fixed duration: every holding time is exactly 1.5 years.
  const std::size_t f = edge_index(e.layout, "a_fixed->b");
  const auto n = moves(f);
  for (std::size_t r = 0; r < e.replicates; ++r) {
    ASSERT_EQ(n[r], people) << rerun();
    EXPECT_NEAR(e.values<double>("sojourn_sum")[r * E + f], 1.5 * people, 1e-9 * people) << rerun();
    EXPECT_NEAR(e.values<double>("sojourn_sumsq")[r * E + f], 2.25 * people, 1e-9 * people) << rerun();
  }
}

TEST_F(HoldingTime, SurvivalCurveReproduced) {
  const auto& L = ensemble().layout;
  const double trials = static_cast<double>(ensemble().replicates) * people;
  for (const Case& c : cases_)
    for (std::size_t k = 1; k < L.T(); ++k) {
      const double t = L.report_times[k] - scenario_.start_year;
      const double S = c.S(t);
      expect_binomial("S(" + fmt(t) + ") of " + c.state, occupancy_fraction(c.state, k), S, trials);
    }
  // Fixed duration 1.5: everyone is still there just before, no one at 1.5 itself (an event at a
  // report time belongs to the period ending there).
  for (std::size_t k = 0; k < L.T(); ++k) {
    const double t = L.report_times[k] - scenario_.start_year;
    EXPECT_EQ(occupancy_fraction("a_fixed", k), t < 1.5 ? 1.0 : 0.0) << "fixed duration at t = " << t << rerun();
  }
}

// A Weibull(2, 1) edge racing an exponential 0.5 edge: P(leave by the Weibull edge by t) =
// ∫_0^t h(s) S_W(s) e^{-0.5 s} ds, and the mean time of those who left that way.
TEST_F(HoldingTime, CompetingWeibullAndExponentialSplit) {
  const auto& e = ensemble();
  const auto& L = e.layout;
  auto h = [](double t) { return 2.0 * t; };
  auto S = [](double t) { return std::exp(-t * t - 0.5 * t); };
  const double trials = static_cast<double>(e.replicates) * people;
  for (std::size_t k = 1; k < L.T(); ++k) {
    const double t = L.report_times[k] - scenario_.start_year;
    const double pb = simpson([&](double s) { return h(s) * S(s); }, 0.0, std::min(t, 20.0));
    const double pc = simpson([&](double s) { return 0.5 * S(s); }, 0.0, std::min(t, 20.0));
    expect_binomial("occupancy of a_competing at " + fmt(t), occupancy_fraction("a_competing", k), S(t), trials);
    expect_binomial("occupancy of b_competing at " + fmt(t), occupancy_fraction("b_competing", k), pb, trials);
    expect_binomial("occupancy of c_competing at " + fmt(t), occupancy_fraction("c_competing", k), pc, trials);
  }
  // Mean holding time of those who left by each edge.
  const double pb = simpson([&](double s) { return h(s) * S(s); }, 0.0, 20.0);
  const double m1b = simpson([&](double s) { return s * h(s) * S(s); }, 0.0, 20.0) / pb;
  const double m2b = simpson([&](double s) { return s * s * h(s) * S(s); }, 0.0, 20.0) / pb;
  const double m1c = simpson([&](double s) { return s * 0.5 * S(s); }, 0.0, 20.0) / (1 - pb);
  const double m2c = simpson([&](double s) { return s * s * 0.5 * S(s); }, 0.0, 20.0) / (1 - pb);
  for (const auto& [id, m1, m2] : {std::tuple{"a_competing->b_competing", m1b, m2b},
                                   std::tuple{"a_competing->c_competing", m1c, m2c}}) {
    const std::size_t f = edge_index(L, id);
    const auto n = moves(f);
    double moved = 0.0, sum = 0.0;
    for (std::size_t r = 0; r < e.replicates; ++r) moved += n[r], sum += e.values<double>("sojourn_sum")[r * L.E() + f];
    expect_z(std::string("mean holding time on ") + id, sum / moved, m1, std::sqrt((m2 - m1 * m1) / moved));
  }
}

}  // namespace
}  // namespace trede::stat_test
