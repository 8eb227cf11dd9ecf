// Person attributes against closed forms: log-linear covariate effects on competing
// exponential risks (destination split and exit rate per group), spells already in progress at
// the start (conditional survival S(t + τ0) / S(τ0)), and exit at a configured age.

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "stat_support.hpp"

namespace trede::stat_test {
namespace {

// Mean over replicates of a count, as a fraction of `people`.
double mean_fraction(const mc::Ensemble& e, std::size_t k, std::size_t state, double people) {
  const auto& L = e.layout;
  double s = 0.0;
  for (std::size_t r = 0; r < e.replicates; ++r)
    s += e.values<std::int32_t>("occupancy")[at3(r, k, state, L.T(), L.S())];
  return s / (static_cast<double>(e.replicates) * people);
}

class CompetingRisks : public StatTest {};
class TimeInState : public StatTest {};
class ExitAge : public StatTest {};

// Two groups in one state race three exponential risks; category and numeric covariates change
// the rates per group: rate·exp(Σ beta·x). Unequal group sizes make a swapped level visible.
TEST_F(CompetingRisks, CovariatesGiveDestinationSplitPerGroup) {
  const double nx = 15000, ny = 5000;
  const std::string text = R"(
name = "covariates"
start_year = 2025.0
horizon_years = 8.0

[report]
step_years = 1.0

[attributes]
doelgroep = {type = "category", levels = ["x", "y"]}
score = {type = "number", center = 1.0, default = 1.0}

[[state]]
name = "a"
trede = 2

[[state]]
name = "b"
absorbing = true

[[state]]
name = "c"
absorbing = true

[[state]]
name = "d"
absorbing = true

[[transition]]
from = "a"
to = "b"
rate = 0.4
covariates = {"doelgroep=x" = 0.7}

[[transition]]
from = "a"
to = "c"
rate = 0.6
covariates = {score = 0.5}

[[transition]]
from = "a"
to = "d"
rate = 0.2
covariates = {"doelgroep=y" = -0.5}

[[population]]
state = "a"
count = 15000
attributes = {doelgroep = "x", score = 2.0}

[[population]]
state = "a"
count = 5000
attributes = {doelgroep = "y"}
)";
  const auto s = model::parse_scenario(text, "covariates.toml");
  const auto e = mc::run(s, options(50));
  const auto& L = e.layout;
  // Rates per group: x has doelgroep=x (b ×e^0.7) and score 2 (c ×e^{0.5·(2−1)});
  // y has the default score 1 (c ×1) and doelgroep=y (d ×e^−0.5).
  const double bx = 0.4 * std::exp(0.7), cx = 0.6 * std::exp(0.5), dx = 0.2;
  const double by = 0.4, cy = 0.6, dy = 0.2 * std::exp(-0.5);
  const double Rx = bx + cx + dx, Ry = by + cy + dy;
  const double trials = static_cast<double>(e.replicates);
  for (std::size_t k = 1; k < L.T(); ++k) {
    const double t = L.report_times[k] - s.start_year;
    const double gx = 1 - std::exp(-Rx * t), gy = 1 - std::exp(-Ry * t);
    // Expected counts and binomial variances, summed over the two groups.
    const std::vector<std::tuple<std::string, double, double>> cells = {
        {"a", std::exp(-Rx * t), std::exp(-Ry * t)},
        {"b", bx / Rx * gx, by / Ry * gy},
        {"c", cx / Rx * gx, cy / Ry * gy},
        {"d", dx / Rx * gx, dy / Ry * gy},
    };
    for (const auto& [name, px, py] : cells) {
      const double mean = nx * px + ny * py;
      const double var = nx * px * (1 - px) + ny * py * (1 - py);
      expect_z("occupancy of " + name + " at t = " + fmt(t), mean_fraction(e, k, state_index(L, name), 1.0), mean,
               std::sqrt(var / trials));
    }
  }
}

// People who start with τ0 years already spent in a state with a Weibull hazard leave as
// S(t + τ0) / S(τ0); with τ0 drawn uniformly the survival is that ratio averaged over τ0.
// The recorded holding time of a spell in progress counts from its true start.
TEST_F(TimeInState, InitialSpellsFollowConditionalSurvival) {
  const double N = 20000, k = 2.0, lam = 2.0, tau0 = 1.5;
  const std::string text = R"(
name = "time-in-state"
start_year = 2025.0
horizon_years = 30.0

[report]
times = [2025.0, 2025.25, 2025.5, 2026.0, 2026.5, 2027.0, 2028.0, 2030.0, 2055.0]

[[state]]
name = "a_fixed"
trede = 2

[[state]]
name = "a_uniform"
trede = 2

[[state]]
name = "b"
absorbing = true

[[transition]]
from = "a_fixed"
to = "b"
hazard = "weibull"
shape = 2.0
scale = 2.0

[[transition]]
from = "a_uniform"
to = "b"
hazard = "weibull"
shape = 2.0
scale = 2.0

[[population]]
state = "a_fixed"
count = 20000
time_in_state = 1.5

[[population]]
state = "a_uniform"
count = 20000
time_in_state = {dist = "uniform", min = 0.0, max = 3.0}
)";
  const auto s = model::parse_scenario(text, "time-in-state.toml");
  const std::size_t R = 50;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  auto S = [&](double t) { return std::exp(-std::pow(t / lam, k)); };
  const double trials = static_cast<double>(R) * N;
  for (std::size_t i = 1; i < L.T(); ++i) {
    const double t = L.report_times[i] - s.start_year;
    const double pf = S(t + tau0) / S(tau0);
    const double pu = simpson([&](double u) { return S(t + u) / S(u); }, 0.0, 3.0, 2000) / 3.0;
    expect_binomial("a_fixed at t = " + fmt(t), mean_fraction(e, i, state_index(L, "a_fixed"), N), pf, trials);
    expect_binomial("a_uniform at t = " + fmt(t), mean_fraction(e, i, state_index(L, "a_uniform"), N), pu, trials);
  }
  // Whole spell length of the fixed group: E[T | T > τ0] = τ0 + ∫_τ0^∞ S / S(τ0).
  const double m1 = tau0 + simpson(S, tau0, 30.0) / S(tau0);
  const double m2 = tau0 * tau0 + simpson([&](double t) { return 2 * t * S(t); }, tau0, 30.0) / S(tau0);
  const std::size_t f = edge_index(L, "a_fixed->b");
  double moved = 0.0, sum = 0.0;
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t p = 0; p < L.P(); ++p) moved += e.values<std::int32_t>("flows")[at3(r, p, f, L.P(), L.E())];
    sum += e.values<double>("sojourn_sum")[r * L.E() + f];
  }
  ASSERT_EQ(moved, trials) << "everyone leaves within 30 years" << rerun();
  expect_z("mean spell length of a_fixed (from the spell's start)", sum / moved, m1, std::sqrt((m2 - m1 * m1) / moved));
}

// A fixed duration counts the time already spent in the state: with τ0 uniform on [0, 3] and
// duration 2, people leave at 2 − τ0, and those with τ0 ≥ 2 leave at once at the start, so the
// state holds (2 − t)/3 at time t < 2 and nobody after (the engine used to leave people with
// τ0 ≥ duration in the state for ever).
TEST_F(TimeInState, FixedDurationCountsTimeAlreadySpent) {
  const double N = 30000;
  const std::string text = R"(
name = "fixed-time-in-state"
start_year = 2025.0
horizon_years = 4.0

[report]
times = [2025.0, 2025.25, 2025.5, 2026.0, 2026.5, 2027.0, 2029.0]

[[state]]
name = "a"
trede = 2

[[state]]
name = "b"
absorbing = true

[[transition]]
from = "a"
to = "b"
hazard = "fixed"
duration = 2.0

[[population]]
state = "a"
count = 30000
time_in_state = {dist = "uniform", min = 0.0, max = 3.0}
)";
  const auto s = model::parse_scenario(text, "fixed-time-in-state.toml");
  const std::size_t R = 20;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  for (std::size_t k = 0; k < L.T(); ++k) {
    const double t = L.report_times[k] - s.start_year;
    const double p = std::clamp((2.0 - t) / 3.0, 0.0, 1.0);
    expect_binomial("a at t = " + fmt(t), mean_fraction(e, k, state_index(L, "a"), N), p, static_cast<double>(R) * N);
  }
}

// Age is an attribute that grows with time; reaching 67 moves a person to pensioen. With ages
// uniform on [60, 66.5] at the start and a competing exponential exit, state a holds
// e^{-rt}·P(age0 < 67 − t); a group aged exactly 66.25 leaves exactly 0.75 years in.
TEST_F(ExitAge, PeopleLeaveAtConfiguredAge) {
  const double N = 20000, r_exit = 0.1;
  const std::string text = R"(
name = "exit-age"
start_year = 2025.0
horizon_years = 8.0

[report]
step_years = 0.5

[attributes]
leeftijd = {type = "age"}

[exit_age]
age = 67.0
to = "pensioen"

[[state]]
name = "a"
trede = 2

[[state]]
name = "a_fixed_age"
trede = 2

[[state]]
name = "b"
absorbing = true

[[state]]
name = "pensioen"
absorbing = true

[[transition]]
from = "a"
to = "b"
rate = 0.1

[[transition]]
from = "a_fixed_age"
to = "b"
rate = 0.1

[[population]]
state = "a"
count = 20000
attributes = {leeftijd = {dist = "uniform", min = 60.0, max = 66.5}}

[[population]]
state = "a_fixed_age"
count = 20000
attributes = {leeftijd = 66.25}
)";
  const auto s = model::parse_scenario(text, "exit-age.toml");
  const std::size_t R = 50;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  const double trials = static_cast<double>(R) * N;
  auto F = [](double t) { return std::clamp((67.0 - t - 60.0) / 6.5, 0.0, 1.0); };  // P(age0 < 67 − t)
  const std::size_t a = state_index(L, "a"), pens = state_index(L, "pensioen");
  const std::size_t age_edge = edge_index(L, "a->pensioen (age)"), age_edge_fixed = edge_index(L, "a_fixed_age->pensioen (age)");
  EXPECT_EQ(L.edges[age_edge].kind, engine::EdgeKind::age_exit);
  for (std::size_t k = 1; k < L.T(); ++k) {
    const double t = L.report_times[k] - s.start_year;
    const double pa = std::exp(-r_exit * t) * F(t);
    // Exit by age at time s = 67 − age0, density 1/6.5 on [0.5, 7], if still in a.
    const double pp = t <= 0.5 ? 0.0 : (std::exp(-r_exit * 0.5) - std::exp(-r_exit * std::min(t, 7.0))) / (r_exit * 6.5);
    expect_binomial("a at t = " + fmt(t), mean_fraction(e, k, a, N), pa, trials);
    if (pp > 0) {
      expect_z("pensioen at t = " + fmt(t), mean_fraction(e, k, pens, 2 * N),
               // both groups end in pensioen: add the fixed-age group's share
               (pp * N + (t >= 0.75 ? std::exp(-r_exit * 0.75) * N : 0.0)) / (2 * N),
               std::sqrt((N * pp * (1 - pp) +
                          (t >= 0.75 ? N * std::exp(-r_exit * 0.75) * (1 - std::exp(-r_exit * 0.75)) : 0.0)) /
                         static_cast<double>(R)) /
                   (2 * N));
    }
  }
  // The fixed-age group: everyone still in a_fixed_age leaves at exactly t = 0.75.
  const std::size_t af = state_index(L, "a_fixed_age");
  for (std::size_t r = 0; r < R; ++r) {
    double n = 0.0;
    for (std::size_t p = 0; p < L.P(); ++p)
      n += e.values<std::int32_t>("flows")[at3(r, p, age_edge_fixed, L.P(), L.E())];
    EXPECT_GT(n, 0.9 * N);
    EXPECT_NEAR(e.values<double>("sojourn_sum")[r * L.E() + age_edge_fixed], 0.75 * n, 1e-9 * n)
        << "exit exactly at 67" << rerun();
    EXPECT_NEAR(e.values<double>("sojourn_sumsq")[r * L.E() + age_edge_fixed], 0.5625 * n, 1e-9 * n) << rerun();
    EXPECT_EQ(e.values<std::int32_t>("occupancy")[at3(r, 2, af, L.T(), L.S())], 0)
        << "nobody is left at t = 1" << rerun();
  }
  // Moves by age from a: their holding time is 67 − age0 given the exit happened first:
  // density e^{-r s}/6.5 on [0.5, 7].
  const double mass = (std::exp(-r_exit * 0.5) - std::exp(-r_exit * 7.0)) / (r_exit * 6.5);
  const double m1 = simpson([&](double x) { return x * std::exp(-r_exit * x) / 6.5; }, 0.5, 7.0) / mass;
  const double m2 = simpson([&](double x) { return x * x * std::exp(-r_exit * x) / 6.5; }, 0.5, 7.0) / mass;
  double moved = 0.0, sum = 0.0;
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t p = 0; p < L.P(); ++p) moved += e.values<std::int32_t>("flows")[at3(r, p, age_edge, L.P(), L.E())];
    sum += e.values<double>("sojourn_sum")[r * L.E() + age_edge];
  }
  expect_binomial("people leaving a by age", moved / trials, mass, trials);
  expect_z("mean holding time before the age exit", sum / moved, m1, std::sqrt((m2 - m1 * m1) / moved));
}

class History : public StatTest {};

// A count attribute counts moves into uitval (placement at the start does not count) and acts
// as a covariate: leaving uitval for the k-th time runs at r·e^{βk}. The expected occupancy
// follows the chain on (state, k): W_k → U_{k+1} at u, U_k → W_k at r·e^{βk}, truncated at a
// k no one reaches. People starting in uitval begin at U_0.
TEST_F(History, CountCovariateFollowsNumberOfSpells) {
  const double u = 0.6, rr = 1.5, beta = -0.4, nw = 20000, nu = 10000;
  const std::string text = R"(
name = "history"
start_year = 2025.0
horizon_years = 10.0

[report]
step_years = 1.0

[attributes]
eerdere_uitval = {type = "count", counts = ["uitval"]}

[[state]]
name = "werk"
trede = 6

[[state]]
name = "uitval"
trede = 1
functionality = "uitval"

[[transition]]
from = "werk"
to = "uitval"
rate = )" + num(u) + R"(

[[transition]]
from = "uitval"
to = "werk"
rate = )" + num(rr) + R"(
covariates = {eerdere_uitval = )" + num(beta) + R"(}

[[population]]
state = "werk"
count = 20000

[[population]]
state = "uitval"
count = 10000
)";
  const auto s = model::parse_scenario(text, "history.toml");
  const std::size_t R = 50;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  const Eigen::Index K = 40;  // spells 0..K-1; P(≥ 40 uitval spells in 10 years) is negligible
  // Chain index: W_k = 2k, U_k = 2k + 1.
  Eigen::MatrixXd Q = Eigen::MatrixXd::Zero(2 * K, 2 * K);
  for (Eigen::Index k = 0; k < K; ++k) {
    if (k + 1 < K) Q(2 * k, 2 * (k + 1) + 1) = u;
    Q(2 * k + 1, 2 * k) = rr * std::exp(beta * static_cast<double>(k));
  }
  for (Eigen::Index i = 0; i < 2 * K; ++i) Q(i, i) = -Q.row(i).sum();
  // P(in werk at t) for someone starting in W_0 (start = 0) or U_0 (start = 1).
  auto in_werk = [&](Eigen::Index start, double t) {
    Eigen::RowVectorXd p0 = Eigen::RowVectorXd::Zero(2 * K);
    p0(start) = 1.0;
    const Eigen::RowVectorXd p = p0 * (Q * t).exp();
    double w = 0.0;
    for (Eigen::Index j = 0; j < K; ++j) w += p(2 * j);
    return w;
  };
  const std::size_t iw = state_index(L, "werk"), iu = state_index(L, "uitval");
  for (std::size_t k = 1; k < L.T(); ++k) {
    const double t = L.report_times[k] - s.start_year;
    const double ww = in_werk(0, t), wu = in_werk(1, t);
    // Occupancy of uitval = people not in werk (two binomial groups).
    const double mean_u = nw * (1 - ww) + nu * (1 - wu);
    const double se = std::sqrt((nw * ww * (1 - ww) + nu * wu * (1 - wu)) / static_cast<double>(R));
    expect_z("uitval at t = " + fmt(t), mean_fraction(e, k, iu, 1.0), mean_u, se);
    expect_z("werk at t = " + fmt(t), mean_fraction(e, k, iw, 1.0), nw + nu - mean_u, se);
  }
  // Without the history effect the answer would be visibly different (the test has power).
  Eigen::Matrix2d Q0;
  Q0 << -u, u, rr, -rr;
  const Eigen::Matrix2d P0 = (Q0 * 10.0).exp();
  const double flat = nw * P0(0, 1) + nu * P0(1, 1);
  const double with = nw * (1 - in_werk(0, 10.0)) + nu * (1 - in_werk(1, 10.0));
  EXPECT_GT(std::fabs(with - flat), 1000.0);
}

// An age covariate is evaluated when the holding time is drawn and frozen until the next draw
// (docs/scenario-format.md §13.3): one spell of people aged 30 and 55 at the start leaves at
// the constant rate 0.5·e^{0.05·(age0 − 40)}, not at a rate growing with age. (For hazards
// that must follow age continuously, use a table hazard with clock = "age", tested in
// holding_time_test.cpp.)
TEST_F(CompetingRisks, AgeCovariateIsFrozenAtTheDraw) {
  const std::string text = R"(
name = "age-covariate"
start_year = 2025.0
horizon_years = 8.0

[report]
step_years = 1.0

[attributes]
leeftijd = {type = "age", center = 40.0}

[[state]]
name = "a"
trede = 2

[[state]]
name = "b"
absorbing = true

[[transition]]
from = "a"
to = "b"
rate = 0.5
covariates = {leeftijd = 0.05}

[[population]]
state = "a"
count = 10000
attributes = {leeftijd = 30.0}

[[population]]
state = "a"
count = 10000
attributes = {leeftijd = 55.0}
)";
  const auto s = model::parse_scenario(text, "age-covariate.toml");
  const std::size_t R = 50;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  const double r30 = 0.5 * std::exp(0.05 * -10.0), r55 = 0.5 * std::exp(0.05 * 15.0);
  for (std::size_t k = 1; k < L.T(); ++k) {
    const double t = L.report_times[k] - s.start_year;
    const double p30 = std::exp(-r30 * t), p55 = std::exp(-r55 * t);
    const double mean = 10000 * (p30 + p55), var = 10000 * (p30 * (1 - p30) + p55 * (1 - p55));
    expect_z("a at t = " + fmt(t), mean_fraction(e, k, state_index(L, "a"), 1.0), mean,
             std::sqrt(var / static_cast<double>(R)));
  }
}

}  // namespace
}  // namespace trede::stat_test
