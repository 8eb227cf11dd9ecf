// Without capacities every person is an independent continuous-time Markov chain, so the mean
// occupancy is the Kolmogorov forward solution m(t) = m0·exp(Qt) (docs/model-formalism.md). With calendar
// multipliers Q is piecewise constant and the solution is a product of matrix exponentials; with
// Poisson inflow λ the mean solves m' = mQ + λ, solved with the augmented generator.

#include <string>
#include <vector>

#include "stat_support.hpp"
#include "trede/mc/compare.hpp"

namespace trede::stat_test {
namespace {

// The BM1 rates of models/ladder-bm.toml, in file order (edge k = transition k).
std::vector<RateEdge> bm1_edges() {
  return {
      {"bijstand", "diagnose", 0.5, "", {}},
      {"bijstand", "exit", 0.05, "", {}},
      {"diagnose", "ontwikkeltraject", 2.0, "", {}},
      {"diagnose", "beschut_werk", 0.3, "", {}},
      {"diagnose", "bijstand", 0.5, "", {}},
      {"ontwikkeltraject", "afspraakbaan", 0.6, "", {}},
      {"ontwikkeltraject", "regulier_werk", 0.4, "", {}},
      {"ontwikkeltraject", "tussengroep", 0.5, "", {}},
      {"ontwikkeltraject", "beschut_werk", 0.1, "", {}},
      {"ontwikkeltraject", "uitval", 0.4, "", {}},
      {"beschut_werk", "uitval", 0.1, "", {}},
      {"beschut_werk", "afspraakbaan", 0.05, "", {}},
      {"beschut_werk", "exit", 0.05, "", {}},
      {"tussengroep", "afspraakbaan", 0.4, "", {}},
      {"tussengroep", "regulier_werk", 0.2, "", {}},
      {"tussengroep", "uitval", 0.3, "", {}},
      {"afspraakbaan", "uitval", 0.25, "", {}},
      {"afspraakbaan", "regulier_werk", 0.1, "", {}},
      {"afspraakbaan", "exit", 0.03, "", {}},
      {"regulier_werk", "uitval", 0.1, "", {}},
      {"regulier_werk", "exit", 0.03, "", {}},
      {"uitval", "bijstand", 0.8, "", {}},
      {"uitval", "exit", 0.05, "", {}},
  };
}

const char* const bm1_states = R"(
[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"

[[state]]
name = "diagnose"
trede = 2
functionality = "A"

[[state]]
name = "ontwikkeltraject"
trede = 3
functionality = "B"

[[state]]
name = "beschut_werk"
trede = 5
functionality = "H"

[[state]]
name = "tussengroep"
trede = 4
functionality = "G"

[[state]]
name = "afspraakbaan"
trede = 5
functionality = "F"

[[state]]
name = "regulier_werk"
trede = 6

[[state]]
name = "uitval"
trede = 1
functionality = "uitval"

[[state]]
name = "exit"
absorbing = true
)";

std::string bm1_scenario(const std::vector<RateEdge>& edges, int people, const std::string& extra) {
  return std::string(R"(
name = "kolmogorov"
start_year = 2025.0
horizon_years = 10.0

[report]
step_years = 1.0
)") + bm1_states +
         transitions_toml(edges) + "\n[[population]]\nstate = \"bijstand\"\ncount = " + std::to_string(people) +
         "\n" + extra;
}

class Kolmogorov : public StatTest {
 protected:
  // Mean occupancy per state and report time against `expected(t)`, with the variance of a
  // person-level binomial part plus a Poisson part (people who arrived by inflow).
  void check_occupancy(const mc::Ensemble& e, const model::Scenario& s,
                       const std::function<Eigen::RowVectorXd(double)>& from_start,
                       const std::function<Eigen::RowVectorXd(double)>& from_inflow, double people) {
    const auto& L = e.layout;
    const std::size_t R = e.replicates, T = L.T(), S = L.S();
    ASSERT_EQ(S, s.states.size());
    for (std::size_t k = 0; k < T; ++k) {
      const double t = L.report_times[k];
      const Eigen::RowVectorXd p = from_start(t);    // per initial person
      const Eigen::RowVectorXd a = from_inflow(t);   // expected count from arrivals
      for (std::size_t j = 0; j < S; ++j) {
        double sum = 0.0;
        for (std::size_t r = 0; r < R; ++r) sum += e.values<std::int32_t>("occupancy")[at3(r, k, j, T, S)];
        const double mean = sum / static_cast<double>(R);
        const auto jj = static_cast<Eigen::Index>(j);
        const double expected = people * p(jj) + a(jj);
        const double var = people * p(jj) * (1.0 - p(jj)) + a(jj);  // binomial + Poisson
        expect_z("occupancy[" + L.states[j] + "] at " + fmt(t), mean, expected, std::sqrt(var / static_cast<double>(R)));
      }
    }
  }
};

TEST_F(Kolmogorov, OccupancyMatchesMatrixExponential) {
  const int N = 20000;
  const auto edges = bm1_edges();
  const auto s = model::parse_scenario(bm1_scenario(edges, N, ""), "kolmogorov.toml");
  const auto e = mc::run(s, options(100));
  const Eigen::MatrixXd Q = generator(s, edges, s.start_year);
  Eigen::RowVectorXd p0 = Eigen::RowVectorXd::Zero(Q.rows());
  p0(static_cast<Eigen::Index>(s.state_index("bijstand"))) = 1.0;
  // At the start everyone is in bijstand, exactly.
  for (std::size_t r = 0; r < e.replicates; ++r)
    for (std::size_t j = 0; j < e.layout.S(); ++j)
      ASSERT_EQ(e.values<std::int32_t>("occupancy")[at3(r, 0, j, e.layout.T(), e.layout.S())],
                j == s.state_index("bijstand") ? N : 0);
  check_occupancy(
      e, s, [&](double t) -> Eigen::RowVectorXd { return p0 * (Q * (t - s.start_year)).exp(); },
      [&](double) -> Eigen::RowVectorXd { return Eigen::RowVectorXd::Zero(Q.rows()); }, N);
  EXPECT_EQ(checks(), 10u * 9u);  // t = 0 has zero variance everywhere (checked exactly)
  // The ladder output is the occupancy summed by trede (1..6; exit has trede 0).
  const auto& L = e.layout;
  for (std::size_t r = 0; r < e.replicates; ++r)
    for (std::size_t k = 0; k < L.T(); ++k)
      for (std::size_t rung = 1; rung <= mc::ladder_rungs; ++rung) {
        std::int64_t sum = 0;
        for (std::size_t j = 0; j < L.S(); ++j)
          if (L.trede[j] == static_cast<int>(rung))
            sum += e.values<std::int32_t>("occupancy")[at3(r, k, j, L.T(), L.S())];
        ASSERT_EQ(e.values<std::int32_t>("trede_occupancy")[at3(r, k, rung - 1, L.T(), mc::ladder_rungs)], sum)
            << "trede " << rung << rerun();
      }
}

// Person-years per state and period equal N ∫ p(s) ds over the period, and the flow along edge
// i->j equals q_ij times the person-years in i: the recorders integrate the same solution.
TEST_F(Kolmogorov, PersonYearsAndFlowsMatchIntegratedSolution) {
  const int N = 20000;
  const std::size_t R = 200;
  const auto edges = bm1_edges();
  const auto s = model::parse_scenario(bm1_scenario(edges, N, ""), "kolmogorov.toml");
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  const std::size_t P = L.P(), S = L.S(), E = L.E();
  ASSERT_EQ(E, edges.size());
  const Eigen::MatrixXd Q = generator(s, edges, s.start_year);
  Eigen::RowVectorXd p = Eigen::RowVectorXd::Zero(Q.rows());
  p(static_cast<Eigen::Index>(s.state_index("bijstand"))) = 1.0;
  Eigen::RowVectorXd total_py = Eigen::RowVectorXd::Zero(Q.rows());  // ∫ p over all periods
  for (std::size_t k = 0; k < P; ++k) {
    const double h = L.period_end[k] - L.period_start[k];
    Eigen::RowVectorXd py = Eigen::RowVectorXd::Zero(Q.rows());
    if (h > 0) {
      const auto [Eh, Ih] = exp_and_integral(Q, h);
      py = p * Ih;
      p = p * Eh;
    }
    total_py += py;
    for (std::size_t j = 0; j < S; ++j) {
      std::vector<double> x(R);
      for (std::size_t r = 0; r < R; ++r) x[r] = e.values<double>("person_years")[at3(r, k, j, P, S)];
      const auto est = estimate(x);
      const double expected = N * py(static_cast<Eigen::Index>(j));
      if (h == 0 || expected == 0.0) {
        EXPECT_EQ(est.mean, 0.0) << "person_years[" << L.states[j] << "] in empty period " << k << rerun();
        continue;
      }
      expect_z("person_years[" + L.states[j] + "] in period " + std::to_string(k), est.mean, expected, est.se);
    }
  }
  for (std::size_t f = 0; f < E; ++f) {
    ASSERT_EQ(L.edges[f].from, edges[f].from);
    ASSERT_EQ(L.edges[f].to, edges[f].to);
    std::vector<double> x(R, 0.0);
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t k = 0; k < P; ++k) x[r] += e.values<std::int32_t>("flows")[at3(r, k, f, P, E)];
    const auto est = estimate(x);
    const double expected = N * edges[f].rate * total_py(static_cast<Eigen::Index>(s.state_index(edges[f].from)));
    expect_z("flows[" + L.edges[f].id + "] over the horizon", est.mean, expected, est.se);
  }
}

// Piecewise-constant Q from calendar multipliers, including a spell where every way out of
// uitval has multiplier 0 (the exponential race must skip the dead time exactly).
TEST_F(Kolmogorov, CalendarMultipliersGiveProductOfMatrixExponentials) {
  const int N = 20000;
  auto edges = bm1_edges();
  for (RateEdge& ed : edges) {
    if (ed.from == "bijstand" && ed.to == "diagnose") {
      ed.multiplier_toml = R"({2027 = 2.5, "2030.5" = 0.4})";
      ed.multiplier = {{2027.0, 2.5}, {2030.5, 0.4}};
    }
    if (ed.from == "uitval") {
      ed.multiplier_toml = R"({"2026.5" = 0.0, 2028 = 1.0})";
      ed.multiplier = {{2026.5, 0.0}, {2028.0, 1.0}};
    }
    if (ed.from == "tussengroep" && ed.to == "regulier_werk") {
      ed.multiplier_toml = R"({2029 = 3.0})";
      ed.multiplier = {{2029.0, 3.0}};
    }
  }
  const auto s = model::parse_scenario(bm1_scenario(edges, N, ""), "kolmogorov-multiplier.toml");
  const auto e = mc::run(s, options(100));
  const std::vector<double> breaks = {2026.5, 2027.0, 2028.0, 2029.0, 2030.5};
  const auto n = static_cast<Eigen::Index>(s.states.size());
  Eigen::RowVectorXd p0 = Eigen::RowVectorXd::Zero(n);
  p0(static_cast<Eigen::Index>(s.state_index("bijstand"))) = 1.0;
  auto Q_at = [&](double year) { return generator(s, edges, year); };
  auto no_inflow = [&](double) -> Eigen::RowVectorXd { return Eigen::RowVectorXd::Zero(n); };
  check_occupancy(
      e, s, [&](double t) { return expected_occupancy(p0, s.start_year, t, breaks, Q_at, no_inflow); },
      no_inflow, N);
  // The analytic answer must differ from the unmodified model, or the test proves nothing.
  const Eigen::RowVectorXd plain = p0 * (generator(s, bm1_edges(), s.start_year) * 10.0).exp();
  const Eigen::RowVectorXd piecewise = expected_occupancy(p0, s.start_year, s.end_year(), breaks, Q_at, no_inflow);
  EXPECT_GT((plain - piecewise).cwiseAbs().maxCoeff(), 0.01);
}

// Poisson inflow into two entry states, one with a rate that changes by calendar year: the mean
// solves the inhomogeneous linear ODE; the variance is binomial (initial people) plus Poisson
// (arrivals, a thinned Poisson process in each state).
TEST_F(Kolmogorov, PoissonInflowSolvesInhomogeneousOde) {
  const int N = 10000;
  const auto edges = bm1_edges();
  const std::string inflow = R"(
[[inflow]]
state = "bijstand"
rate_per_year = {2025 = 3000.0, 2029 = 1000.0}

[[inflow]]
state = "ontwikkeltraject"
rate_per_year = 500.0
)";
  const auto s = model::parse_scenario(bm1_scenario(edges, N, inflow), "kolmogorov-inflow.toml");
  const auto e = mc::run(s, options(100));
  const auto n = static_cast<Eigen::Index>(s.states.size());
  const auto bij = static_cast<Eigen::Index>(s.state_index("bijstand"));
  const auto ont = static_cast<Eigen::Index>(s.state_index("ontwikkeltraject"));
  Eigen::RowVectorXd p0 = Eigen::RowVectorXd::Zero(n);
  p0(bij) = 1.0;
  auto Q_at = [&](double year) { return generator(s, edges, year); };
  auto no_inflow = [&](double) -> Eigen::RowVectorXd { return Eigen::RowVectorXd::Zero(n); };
  auto lambda_at = [&](double year) -> Eigen::RowVectorXd {
    Eigen::RowVectorXd l = Eigen::RowVectorXd::Zero(n);
    l(bij) = year < 2029.0 ? 3000.0 : 1000.0;
    l(ont) = 500.0;
    return l;
  };
  const std::vector<double> breaks = {2029.0};
  check_occupancy(
      e, s, [&](double t) { return expected_occupancy(p0, s.start_year, t, breaks, Q_at, no_inflow); },
      [&](double t) {
        return expected_occupancy(Eigen::RowVectorXd::Zero(n), s.start_year, t, breaks, Q_at, lambda_at);
      },
      N);
  // Arrivals: Poisson with mean ∫ λ = 4·3000 + 6·1000 + 10·500 = 23,000 per replicate.
  std::vector<double> arrivals(e.replicates);
  for (std::size_t r = 0; r < e.replicates; ++r)
    arrivals[r] = e.values<double>("kpi")[r * e.layout.K() + engine::kpi_arrivals];
  const auto a = estimate(arrivals);
  expect_z("arrivals per replicate", a.mean, 23000.0, std::sqrt(23000.0 / static_cast<double>(e.replicates)));
}

// trede compare: two scenarios that differ in one rate, run with common random numbers. The
// paired differences of the ladder output must match the difference of the two Kolmogorov
// solutions, and common random numbers must make them far less noisy than independent runs.
class CommonRandomNumbers : public StatTest {};

TEST_F(CommonRandomNumbers, PairedDifferencesMatchKolmogorovDifference) {
  const int N = 20000;
  const std::size_t R = 100;
  const auto edges_a = bm1_edges();
  auto edges_b = edges_a;
  for (RateEdge& ed : edges_b)
    if (ed.from == "ontwikkeltraject" && ed.to == "regulier_werk") ed.rate = 0.6;  // was 0.4
  const auto a = model::parse_scenario(bm1_scenario(edges_a, N, ""), "reference.toml");
  const auto b = model::parse_scenario(bm1_scenario(edges_b, N, ""), "more-work.toml");
  mc::CompareOptions o;
  o.run = options(R);
  const mc::Comparison cmp = mc::compare({a, b}, o);
  ASSERT_EQ(cmp.trede.size(), 1u);
  const auto& L = cmp.ensembles[0].layout;
  const Eigen::MatrixXd Qa = generator(a, edges_a, a.start_year), Qb = generator(b, edges_b, b.start_year);
  Eigen::RowVectorXd p0 = Eigen::RowVectorXd::Zero(Qa.rows());
  p0(static_cast<Eigen::Index>(a.state_index("bijstand"))) = 1.0;
  const double sqrtR = std::sqrt(static_cast<double>(R));
  for (std::size_t k = 1; k < L.T(); ++k) {
    const double t = L.report_times[k] - a.start_year;
    const Eigen::RowVectorXd d = N * (p0 * (Qb * t).exp() - p0 * (Qa * t).exp());
    for (std::size_t rung = 1; rung <= mc::ladder_rungs; ++rung) {
      double expected = 0.0;
      for (std::size_t j = 0; j < L.S(); ++j)
        if (L.trede[j] == static_cast<int>(rung)) expected += d(static_cast<Eigen::Index>(j));
      const std::size_t cell = k * mc::ladder_rungs + (rung - 1);
      const auto& diff = cmp.trede[0];
      if (diff.sd[cell] == 0.0) {
        EXPECT_EQ(diff.mean[cell], 0.0) << "trede " << rung << " at " << fmt(t) << rerun();
        continue;
      }
      expect_z("paired difference, trede " + std::to_string(rung) + " at t = " + fmt(t), diff.mean[cell], expected,
               diff.sd[cell] / sqrtR);
      EXPECT_LE(diff.lo[cell], diff.mean[cell]);
      EXPECT_GE(diff.hi[cell], diff.mean[cell]);
    }
  }
  // More regular work means more people reaching work; CRN must cut the variance of that
  // difference several-fold against independent streams.
  ASSERT_EQ(cmp.variance_reduction_kpi.size(), 1u);
  const double vr = cmp.variance_reduction_kpi[0][engine::kpi_persons_reaching_work];
  std::printf("[ stat     ] variance reduction by common random numbers (persons reaching work): %.1f\n", vr);
  EXPECT_GT(vr, 3.0) << rerun();
  EXPECT_GT(cmp.kpi[0].lo[engine::kpi_persons_reaching_work], 0.0) << "the difference must be significant" << rerun();
}

}  // namespace
}  // namespace trede::stat_test
