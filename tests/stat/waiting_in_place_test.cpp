// Waiting in place (waiting = "stay", docs/model-formalism.md §6): a person whose chosen destination is full
// joins its list while staying in the current state, still subject to that state's other
// transitions. With a capacity of 0 nobody is ever admitted, so each person follows a small
// Markov chain on (bijstand not waiting, bijstand waiting, elsewhere) and the list length is a
// sum of independent Bernoulli variables with the chain's probabilities.

#include <algorithm>
#include <string>
#include <vector>

#include "stat_support.hpp"

namespace trede::stat_test {
namespace {

constexpr int people = 20000;
constexpr double a = 0.8;      // bijstand -> X (capacity 0): joins the list
constexpr double b = 0.3;      // bijstand -> regulier_werk: also ends a wait
constexpr double theta = 0.6;  // reneging while waiting in place

// `renege` holds the extra capacity keys (renege_rate, renege_to).
std::string stay_scenario(const std::string& renege, const std::string& extra_states,
                          const std::string& extra_transitions) {
  return R"(
name = "waiting-in-place"
start_year = 2025.0
horizon_years = 10.0

[report]
step_years = 1.0

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"

[[state]]
name = "beschut_werk"
trede = 5
functionality = "H"
capacity = 0
waiting = "stay"
)" + renege + R"(

[[state]]
name = "regulier_werk"
absorbing = true

[[state]]
name = "exit"
absorbing = true
)" + extra_states + R"(
[[transition]]
from = "bijstand"
to = "beschut_werk"
rate = )" + num(a) + R"(

[[transition]]
from = "bijstand"
to = "regulier_werk"
rate = )" + num(b) + R"(

[[transition]]
from = "beschut_werk"
to = "exit"
rate = 1.0
)" + extra_transitions + R"(
[[population]]
state = "bijstand"
count = )" + std::to_string(people) + "\n";
}

// Cumulative sum over periods 0..k of a [R, P, cols] array, column col, replicate r.
template <class T>
double cumulative(const std::vector<T>& x, const mc::Ensemble& e, std::size_t r, std::size_t k, std::size_t col,
                  std::size_t cols) {
  double s = 0.0;
  for (std::size_t i = 0; i <= k; ++i) s += static_cast<double>(x[at3(r, i, col, e.layout.P(), cols)]);
  return s;
}

class WaitingInPlace : public StatTest {
 protected:
  // Mean over replicates of the per-replicate value f(r), as a fraction of the population.
  template <class F>
  double mean_fraction(const mc::Ensemble& e, F f) const {
    double s = 0.0;
    for (std::size_t r = 0; r < e.replicates; ++r) s += f(r);
    return s / (static_cast<double>(e.replicates) * people);
  }
  double trials(const mc::Ensemble& e) const { return static_cast<double>(e.replicates) * people; }
};

// List length N e^{-bt}(1 - e^{-at}); bijstand N e^{-bt}: finding regular work ends the wait.
TEST_F(WaitingInPlace, ListLengthFollowsCompetingExponentials) {
  const auto s = model::parse_scenario(stay_scenario("", "", ""), "stay.toml");
  const auto e = mc::run(s, options(50));
  const auto& L = e.layout;
  const std::size_t T = L.T(), S = L.S(), C = L.C(), E = L.E();
  ASSERT_EQ(C, 1u);
  const std::size_t bij = state_index(L, "bijstand"), x = state_index(L, "beschut_werk");
  const std::size_t to_work = edge_index(L, "bijstand->regulier_werk"), to_x = edge_index(L, "bijstand->beschut_werk");
  for (std::size_t k = 0; k < T; ++k) {
    const double t = L.report_times[k] - s.start_year;
    const double w = std::exp(-b * t) * (1 - std::exp(-a * t));
    const double in_bijstand = std::exp(-b * t);
    const double joined = a / (a + b) * (1 - std::exp(-(a + b) * t));
    const double left = (1 - std::exp(-b * t)) - b / (a + b) * (1 - std::exp(-(a + b) * t));
    const std::string at = " at t = " + fmt(t);
    expect_binomial(
        "waiting list" + at,
        mean_fraction(e, [&](std::size_t r) { return e.values<std::int32_t>("waiting")[at3(r, k, 0, T, C)]; }), w,
        trials(e));
    expect_binomial(
        "bijstand" + at,
        mean_fraction(e, [&](std::size_t r) { return e.values<std::int32_t>("occupancy")[at3(r, k, bij, T, S)]; }),
        in_bijstand, trials(e));
    if (k == 0) continue;  // periods end at report times 1..T-1; period 0 is the empty (start, start]
    expect_binomial(
        "joined by" + at,
        mean_fraction(
            e, [&](std::size_t r) { return cumulative(e.values<std::int32_t>("waiting_joined"), e, r, k, 0, C); }),
        joined, trials(e));
    expect_binomial(
        "left the list for work by" + at,
        mean_fraction(e,
                      [&](std::size_t r) { return cumulative(e.values<std::int32_t>("waiting_left"), e, r, k, 0, C); }),
        left, trials(e));
    for (std::size_t r = 0; r < e.replicates; ++r) {
      ASSERT_EQ(e.values<std::int32_t>("occupancy")[at3(r, k, x, T, S)], 0) << "capacity 0 admits no one" << rerun();
      ASSERT_EQ(cumulative(e.values<std::int32_t>("waiting_admitted"), e, r, k, 0, C), 0.0) << rerun();
      ASSERT_EQ(cumulative(e.values<std::int32_t>("waiting_reneged"), e, r, k, 0, C), 0.0) << rerun();
      ASSERT_EQ(cumulative(e.values<std::int32_t>("flows"), e, r, k, to_x, E), 0.0)
          << "nobody moves into the full state" << rerun();
      // Everyone who went to work either waited (left the list) or not; the list's 'left'
      // count can never exceed the moves to work.
      ASSERT_LE(cumulative(e.values<std::int32_t>("waiting_left"), e, r, k, 0, C),
                cumulative(e.values<std::int32_t>("flows"), e, r, k, to_work, E))
          << rerun();
    }
  }
}

class WaitingInPlaceChain : public WaitingInPlace {
 protected:
  // Checks occupancy-like counts against p0·exp(Qt) of a small chain whose states are listed
  // in `names`; `observed(name, r, k)` gives the count for chain state `name`.
  void check_chain(const mc::Ensemble& e, double start, const Eigen::MatrixXd& Q,
                   const std::vector<std::pair<std::string, std::vector<Eigen::Index>>>& observables,
                   const std::function<double(const std::string&, std::size_t, std::size_t)>& observed) {
    const auto& L = e.layout;
    Eigen::RowVectorXd p0 = Eigen::RowVectorXd::Zero(Q.rows());
    p0(0) = 1.0;
    for (std::size_t k = 1; k < L.T(); ++k) {
      const double t = L.report_times[k] - start;
      const Eigen::RowVectorXd p = p0 * (Q * t).exp();
      for (const auto& [name, idx] : observables) {
        double expected = 0.0;
        for (auto i : idx) expected += p(i);
        expect_binomial(name + " at t = " + fmt(t), mean_fraction(e, [&](std::size_t r) { return observed(name, r, k); }),
                 expected, trials(e));
      }
    }
  }

  // Expected cumulative number of transitions out of the chain states `from` at rate q by two
  // report times: N q ∫_0^t Σ p_i(s) ds, against the replicate mean with its sd-based SE.
  void check_cumulative(const mc::Ensemble& e, double start, const Eigen::MatrixXd& Q, const std::vector<Eigen::Index>& from,
                        double q, const std::string& what,
                        const std::function<double(std::size_t, std::size_t)>& counted) {
    const auto& L = e.layout;
    Eigen::RowVectorXd p0 = Eigen::RowVectorXd::Zero(Q.rows());
    p0(0) = 1.0;
    for (std::size_t k : {std::size_t{2}, L.T() - 1}) {
      const double t = L.report_times[k] - start;
      const Eigen::RowVectorXd integral = p0 * exp_and_integral(Q, t).second;
      std::vector<double> x(e.replicates);
      for (std::size_t r = 0; r < e.replicates; ++r) x[r] = counted(r, k);
      const auto est = estimate(x);
      double expected = 0.0;
      for (auto i : from) expected += people * q * integral(i);
      expect_z(what + " by t = " + fmt(t), est.mean, expected, est.se);
    }
  }
};

// Reneging in place without a destination: the person gives up waiting, stays in bijstand and
// may try (and join the list) again. Chain: 0 = bijstand not waiting, 1 = waiting, 2 = work.
TEST_F(WaitingInPlaceChain, RenegingWithoutDestinationReturnsToNotWaiting) {
  const auto s = model::parse_scenario(stay_scenario("renege_rate = " + num(theta) + "\n", "", ""), "stay-renege.toml");
  const auto e = mc::run(s, options(100));
  const auto& L = e.layout;
  const std::size_t T = L.T(), S = L.S(), C = L.C();
  const std::size_t bij = state_index(L, "bijstand");
  Eigen::MatrixXd Q = Eigen::MatrixXd::Zero(3, 3);
  Q(0, 1) = a, Q(0, 2) = b, Q(1, 0) = theta, Q(1, 2) = b;
  for (Eigen::Index i = 0; i < 3; ++i) Q(i, i) = -Q.row(i).sum();
  check_chain(
      e, s.start_year, Q, {{"waiting list", {1}}, {"bijstand", {0, 1}}, {"regulier_werk", {2}}},
      [&](const std::string& name, std::size_t r, std::size_t k) -> double {
        if (name == "waiting list") return e.values<std::int32_t>("waiting")[at3(r, k, 0, T, C)];
        return e.values<std::int32_t>("occupancy")[at3(r, k, name == "bijstand" ? bij : state_index(L, name), T, S)];
      });
  check_cumulative(e, s.start_year, Q, {0}, a, "joins", [&](std::size_t r, std::size_t k) {
    return cumulative(e.values<std::int32_t>("waiting_joined"), e, r, k, 0, C);
  });
  check_cumulative(e, s.start_year, Q, {1}, theta, "reneges", [&](std::size_t r, std::size_t k) {
    return cumulative(e.values<std::int32_t>("waiting_reneged"), e, r, k, 0, C);
  });
}

// Reneging in place to another state (uitval), from where people return to bijstand and may
// wait again. Chain: 0 = bijstand not waiting, 1 = waiting, 2 = work, 3 = uitval, 4 = exit.
TEST_F(WaitingInPlaceChain, RenegingToDestinationMovesThePerson) {
  const std::string uitval = R"(
[[state]]
name = "uitval"
trede = 1
functionality = "uitval"
)";
  const std::string back = R"(
[[transition]]
from = "uitval"
to = "bijstand"
rate = 0.5

[[transition]]
from = "uitval"
to = "exit"
rate = 0.2
)";
  const auto s = model::parse_scenario(
      stay_scenario("renege_rate = " + num(theta) + "\nrenege_to = \"uitval\"\n", uitval, back), "stay-renege-to.toml");
  const auto e = mc::run(s, options(100));
  const auto& L = e.layout;
  const std::size_t T = L.T(), S = L.S(), C = L.C(), E = L.E();
  const std::size_t renege_edge = edge_index(L, "bijstand->uitval (renege from waiting for beschut_werk)");
  EXPECT_EQ(L.edges[renege_edge].kind, engine::EdgeKind::renege);
  Eigen::MatrixXd Q = Eigen::MatrixXd::Zero(5, 5);
  Q(0, 1) = a, Q(0, 2) = b, Q(1, 3) = theta, Q(1, 2) = b, Q(3, 0) = 0.5, Q(3, 4) = 0.2;
  for (Eigen::Index i = 0; i < 5; ++i) Q(i, i) = -Q.row(i).sum();
  check_chain(e, s.start_year, Q,
              {{"waiting list", {1}}, {"bijstand", {0, 1}}, {"regulier_werk", {2}}, {"uitval", {3}}, {"exit", {4}}},
              [&](const std::string& name, std::size_t r, std::size_t k) -> double {
                if (name == "waiting list") return e.values<std::int32_t>("waiting")[at3(r, k, 0, T, C)];
                return e.values<std::int32_t>("occupancy")[at3(r, k, state_index(L, name), T, S)];
              });
  check_cumulative(e, s.start_year, Q, {1}, theta, "reneges to uitval (flow)", [&](std::size_t r, std::size_t k) {
    return cumulative(e.values<std::int32_t>("flows"), e, r, k, renege_edge, E);
  });
  for (std::size_t r = 0; r < e.replicates; ++r)
    ASSERT_EQ(cumulative(e.values<std::int32_t>("flows"), e, r, L.P() - 1, renege_edge, E),
              cumulative(e.values<std::int32_t>("waiting_reneged"), e, r, L.P() - 1, 0, C))
        << "each renege is one move along the renege edge" << rerun();
}

// One list at a time: a person waiting in place keeps their place on the list of X1 and does
// not draw moves into any full capacity state (X1 or another full X2) until admitted, moved
// elsewhere, reneging or exiting (docs/scenario-format.md). Chain: 0 = not waiting, 1 = waiting
// for X1, 2 = waiting for X2, 3 = regular work.
TEST_F(WaitingInPlaceChain, PersonWaitsOnOneListAtATime) {
  const double a1 = 0.8, a2 = 0.5;
  const std::string text = R"(
name = "two-lists"
start_year = 2025.0
horizon_years = 10.0

[report]
step_years = 1.0

[[state]]
name = "bijstand"
trede = 2

[[state]]
name = "x1"
trede = 5
capacity = 0

[[state]]
name = "x2"
trede = 4
capacity = 0

[[state]]
name = "regulier_werk"
absorbing = true

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "x1"
rate = )" + num(a1) + R"(

[[transition]]
from = "bijstand"
to = "x2"
rate = )" + num(a2) + R"(

[[transition]]
from = "bijstand"
to = "regulier_werk"
rate = )" + num(b) + R"(

[[transition]]
from = "x1"
to = "exit"
rate = 1.0

[[transition]]
from = "x2"
to = "exit"
rate = 1.0

[[population]]
state = "bijstand"
count = )" + std::to_string(people) + "\n";
  const auto s = model::parse_scenario(text, "two-lists.toml");
  const auto e = mc::run(s, options(100));
  const auto& L = e.layout;
  const std::size_t T = L.T(), S = L.S(), C = L.C();
  ASSERT_EQ(C, 2u);
  const std::size_t c1 = capacity_index(L, "x1"), c2 = capacity_index(L, "x2");
  Eigen::MatrixXd Q = Eigen::MatrixXd::Zero(4, 4);
  Q(0, 1) = a1, Q(0, 2) = a2, Q(0, 3) = b, Q(1, 3) = b, Q(2, 3) = b;
  for (Eigen::Index i = 0; i < 4; ++i) Q(i, i) = -Q.row(i).sum();
  check_chain(e, s.start_year, Q, {{"list x1", {1}}, {"list x2", {2}}, {"bijstand", {0, 1, 2}}},
              [&](const std::string& name, std::size_t r, std::size_t k) -> double {
                if (name == "list x1") return e.values<std::int32_t>("waiting")[at3(r, k, c1, T, C)];
                if (name == "list x2") return e.values<std::int32_t>("waiting")[at3(r, k, c2, T, C)];
                return e.values<std::int32_t>("occupancy")[at3(r, k, state_index(L, name), T, S)];
              });
  // Joins come only from "not waiting"; people leave the x1 list (other than by admission or
  // reneging) only by finding work.
  check_cumulative(e, s.start_year, Q, {0}, a1, "joins of x1", [&](std::size_t r, std::size_t k) {
    return cumulative(e.values<std::int32_t>("waiting_joined"), e, r, k, c1, C);
  });
  check_cumulative(e, s.start_year, Q, {0}, a2, "joins of x2", [&](std::size_t r, std::size_t k) {
    return cumulative(e.values<std::int32_t>("waiting_joined"), e, r, k, c2, C);
  });
  check_cumulative(e, s.start_year, Q, {1}, b, "left the x1 list", [&](std::size_t r, std::size_t k) {
    return cumulative(e.values<std::int32_t>("waiting_left"), e, r, k, c1, C);
  });
}

// Joining a list in place redraws the person's risks (docs/scenario-format.md §13.3); the redraw
// of a Weibull time-in-state risk must be conditional on the time already spent, so bijstand
// still empties as S_W(t) and the list holds S_W(t)·(1 − e^{−at}). Reaching the exit age also
// removes a person from the list: with ages uniform on [60, 66] the exit-age factor
// P(age0 < 67 − t) multiplies both.
TEST_F(WaitingInPlace, RedrawKeepsTimeInStateClockAndExitAgeEndsWait) {
  const double k = 2.0, lam = 2.0;
  const std::string text = R"(
name = "redraw"
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
name = "bijstand"
trede = 2

[[state]]
name = "bijstand_oud"
trede = 2

[[state]]
name = "beschut_werk"
trede = 5
capacity = 0

[[state]]
name = "regulier_werk"
absorbing = true

[[state]]
name = "pensioen"
absorbing = true

[[transition]]
from = "bijstand"
to = "beschut_werk"
rate = )" + num(a) + R"(

[[transition]]
from = "bijstand"
to = "regulier_werk"
hazard = "weibull"
shape = 2.0
scale = 2.0

[[transition]]
from = "bijstand_oud"
to = "beschut_werk"
rate = )" + num(a) + R"(

[[transition]]
from = "bijstand_oud"
to = "regulier_werk"
rate = )" + num(b) + R"(

[[transition]]
from = "beschut_werk"
to = "regulier_werk"
rate = 1.0

[[population]]
state = "bijstand"
count = 20000
attributes = {leeftijd = 30.0}

[[population]]
state = "bijstand_oud"
count = 20000
attributes = {leeftijd = {dist = "uniform", min = 60.0, max = 66.0}}
)";
  const auto s = model::parse_scenario(text, "redraw.toml");
  const std::size_t R = 50;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  const std::size_t T = L.T(), S = L.S(), C = L.C();
  const std::size_t bij = state_index(L, "bijstand"), oud = state_index(L, "bijstand_oud");
  const double n = static_cast<double>(R) * people;
  auto SW = [&](double t) { return std::exp(-std::pow(t / lam, k)); };
  auto F = [](double t) { return std::clamp((67.0 - t - 60.0) / 6.0, 0.0, 1.0); };
  for (std::size_t i = 1; i < T; ++i) {
    const double t = L.report_times[i] - s.start_year;
    const double wait = SW(t) * (1 - std::exp(-a * t)) + std::exp(-b * t) * (1 - std::exp(-a * t)) * F(t);
    double list = 0.0, in_bij = 0.0, in_oud = 0.0;
    for (std::size_t r = 0; r < R; ++r) {
      list += e.values<std::int32_t>("waiting")[at3(r, i, 0, T, C)];
      in_bij += e.values<std::int32_t>("occupancy")[at3(r, i, bij, T, S)];
      in_oud += e.values<std::int32_t>("occupancy")[at3(r, i, oud, T, S)];
    }
    const double p1 = SW(t) * (1 - std::exp(-a * t)), p2 = std::exp(-b * t) * (1 - std::exp(-a * t)) * F(t);
    expect_z("waiting list at t = " + fmt(t), list / n, wait,
             std::sqrt(p1 * (1 - p1) + p2 * (1 - p2)) / std::sqrt(n));
    expect_binomial("bijstand (Weibull clock) at t = " + fmt(t), in_bij / n, SW(t), n);
    const double po = std::exp(-b * t) * F(t);
    expect_binomial("bijstand_oud (exit age) at t = " + fmt(t), in_oud / n, po, n);
  }
}

}  // namespace
}  // namespace trede::stat_test
