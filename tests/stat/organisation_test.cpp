// Organisation models and regions against closed forms: a transition between two organisations
// is a handover with a delay (the person stays where they are meanwhile, their other risks
// suspended) and a leakage probability; regions share the transitions but each has its own
// people, inflow and places, so capacity states queue independently per region.

#include <string>
#include <vector>

#include "stat_support.hpp"

namespace trede::stat_test {
namespace {

class Handover : public StatTest {};
class Regions : public StatTest {};

// Organisation model "partieel": bijstand (inkomen) is run by the sociale dienst, traject (B)
// by the SOB, so bijstand -> traject is a handover. With the rule delay 0.5 years and leakage
// 0.25 to uitval, a person leaves bijstand along the exponential race (a to traject, b to
// regular work; regular work is run by nobody, so no handover), and after choosing traject
// stays in bijstand for exactly d more years, then arrives in traject (probability 1 − q) or
// is lost to uitval (q). From traject people find work at rate c.
TEST_F(Handover, DelayAndLeakageFollowTheRule) {
  const double a = 0.6, b = 0.2, c = 0.3, d = 0.5, q = 0.25, N = 20000;
  const std::string text = R"(
name = "handover"
start_year = 2025.0
horizon_years = 5.0
organisation_model = "partieel"

[report]
step_years = 0.25

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"

[[state]]
name = "traject"
trede = 3
functionality = "B"

[[state]]
name = "uitval"
absorbing = true

[[state]]
name = "regulier_werk"
absorbing = true

[[transition]]
from = "bijstand"
to = "traject"
rate = )" + num(a) + R"(

[[transition]]
from = "bijstand"
to = "regulier_werk"
rate = )" + num(b) + R"(

[[transition]]
from = "traject"
to = "regulier_werk"
rate = )" + num(c) + R"(

[[handover]]
from = "sociale_dienst"
to = "SOB"
delay = )" + num(d) + R"(
leakage = )" + num(q) + R"(
leak_to = "uitval"

[[population]]
state = "bijstand"
count = 20000
)";
  const auto s = model::parse_scenario(text, "handover.toml");
  const std::size_t R = 50;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  const double n = static_cast<double>(R) * N;
  auto occupancy = [&](const std::string& name, std::size_t k) {
    const std::size_t j = state_index(L, name);
    double sum = 0.0;
    for (std::size_t r = 0; r < R; ++r) sum += e.values<std::int32_t>("occupancy")[at3(r, k, j, L.T(), L.S())];
    return sum / n;
  };
  const double A = a + b;
  // ∫_lo^hi a e^{−A s} ds
  auto chose_traject = [&](double lo, double hi) {
    lo = std::max(lo, 0.0);
    return hi <= lo ? 0.0 : a / A * (std::exp(-A * lo) - std::exp(-A * hi));
  };
  for (std::size_t k = 1; k < L.T(); ++k) {
    const double t = L.report_times[k] - s.start_year;
    const double in_bijstand = std::exp(-A * t) + chose_traject(t - d, t);
    const double lost = q * chose_traject(0.0, t - d);
    // arrived in traject at s + d and not yet left: ∫_0^{t−d} a e^{−A s} e^{−c (t − s − d)} ds
    const double in_traject =
        t <= d ? 0.0 : (1 - q) * simpson([&](double u) { return a * std::exp(-A * u - c * (t - u - d)); }, 0.0, t - d, 2000);
    expect_binomial("bijstand at t = " + fmt(t), occupancy("bijstand", k), in_bijstand, n);
    expect_binomial("uitval (lost at the handover) at t = " + fmt(t), occupancy("uitval", k), lost, n);
    expect_binomial("traject at t = " + fmt(t), occupancy("traject", k), in_traject, n);
  }
  // KPIs: handovers are counted when decided, leakage when the handover completes.
  const double T = s.horizon_years;
  std::vector<double> handovers(R), leaked(R);
  for (std::size_t r = 0; r < R; ++r) {
    handovers[r] = e.values<double>("kpi")[r * L.K() + engine::kpi_handovers];
    leaked[r] = e.values<double>("kpi")[r * L.K() + engine::kpi_leaked];
  }
  const auto h = estimate(handovers), l = estimate(leaked);
  const double ph = chose_traject(0.0, T), pl = q * chose_traject(0.0, T - d);
  expect_binomial("handovers decided", h.mean / N, ph, n);
  expect_binomial("people lost at handovers", l.mean / N, pl, n);
}

// Two regions with the Erlang-A queue of queue_test.cpp, each with its own places and arrivals:
// noord (10 places, 12 arrivals a year) and zuid (4 places, 5 a year). Each region's list must
// follow its own birth–death solution, and the totals their sum.
TEST_F(Regions, CapacityStatesQueueIndependentlyPerRegion) {
  const double mu = 1.0, theta = 0.5, burn_in = 10.0, window = 1000.0;
  const std::string text = R"(
name = "regions"
start_year = 2025.0
horizon_years = 1010.0

[report]
step_years = 10.0

[[state]]
name = "dienst"
trede = 5
functionality = "H"
capacity = 10
waiting = "separate"
renege_rate = 0.5
renege_to = "opgegeven"

[[state]]
name = "klaar"
absorbing = true

[[state]]
name = "opgegeven"
absorbing = true

[[transition]]
from = "dienst"
to = "klaar"
rate = 1.0

[[region]]
name = "noord"
capacity = {dienst = 10}

[[region.inflow]]
state = "dienst"
rate_per_year = 12.0

[[region]]
name = "zuid"
capacity = {dienst = 4}

[[region.inflow]]
state = "dienst"
rate_per_year = 5.0
)";
  const auto s = model::parse_scenario(text, "regions.toml");
  const std::size_t R = 100;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  ASSERT_EQ(L.G(), 2u);
  ASSERT_TRUE(L.by_region());
  const std::size_t T = L.T(), G = L.G(), C = L.C(), S = L.S(), P = L.P();

  struct Theory {
    double lq = 0.0, var_q = 0.0, busy = 0.0;
  };
  auto erlang_a = [&](int c, double lambda) {
    std::vector<double> p(400);
    p[0] = 1.0;
    for (std::size_t n = 1; n < p.size(); ++n) {
      const double nn = static_cast<double>(n);
      p[n] = p[n - 1] * lambda / (std::min(nn, double(c)) * mu + std::max(nn - c, 0.0) * theta);
    }
    double total = 0.0;
    for (double x : p) total += x;
    Theory th;
    for (std::size_t n = 0; n < p.size(); ++n) {
      const double nn = static_cast<double>(n), pn = p[n] / total;
      th.lq += std::max(nn - c, 0.0) * pn;
      th.busy += std::min(nn, double(c)) * pn;
    }
    for (std::size_t n = 0; n < p.size(); ++n) {
      const double x = std::max(static_cast<double>(n) - c, 0.0) - th.lq;
      th.var_q += x * x * p[n] / total;
    }
    return th;
  };
  const std::vector<Theory> theory = {erlang_a(10, 12.0), erlang_a(4, 5.0)};
  const std::size_t dienst = state_index(L, "dienst");
  for (std::size_t g = 0; g < G; ++g) {
    // Snapshots 10 years apart after the burn-in: nearly independent stationary draws.
    double snaps = 0.0, list = 0.0;
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t k = 0; k < T; ++k) {
        if (L.report_times[k] < s.start_year + burn_in + 10.0 - 1e-9) continue;
        const auto inside = e.values<std::int32_t>("region/occupancy")[((r * T + k) * G + g) * S + dienst];
        ASSERT_LE(inside, g == 0 ? 10 : 4) << L.regions[g] << rerun();
        list += e.values<std::int32_t>("region/waiting")[((r * T + k) * G + g) * C + 0];
        snaps += 1.0;
      }
    expect_z("mean list length in " + L.regions[g], list / snaps, theory[g].lq, std::sqrt(theory[g].var_q / snaps));
    // Time-average places in use from the region's person-years.
    std::vector<double> busy(R, 0.0);
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t k = 0; k < P; ++k)
        if (L.period_start[k] >= s.start_year + burn_in - 1e-9)
          busy[r] += e.values<double>("region/person_years")[((r * P + k) * G + g) * S + dienst] / window;
    const auto b = estimate(busy);
    expect_z("mean places in use in " + L.regions[g], b.mean, theory[g].busy, b.se);
  }
  // Totals: the list-years of all regions together.
  std::vector<double> lq(R, 0.0);
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t k = 0; k < P; ++k)
      if (L.period_start[k] >= s.start_year + burn_in - 1e-9)
        lq[r] += e.values<double>("waiting_years")[(r * P + k) * C] / window;
  const auto total = estimate(lq);
  expect_z("total mean list length (both regions)", total.mean, theory[0].lq + theory[1].lq, total.se);
}

}  // namespace
}  // namespace trede::stat_test
