// Capacity states against queueing theory: an M/M/c+M queue (Poisson arrivals straight into a
// capacity state with a separate waiting state, exponential service, exponential reneging) has
// the Erlang-A birth–death stationary distribution; Little's law L = λW holds on every waiting
// list, separate or in place (docs/model-formalism.md §6).
//
// Stationary quantities are estimated per replicate as time averages over a long window after a
// burn-in, so replicates are independent and the standard error is the replicate sd / sqrt(R).

#include <numeric>
#include <string>
#include <vector>

#include "stat_support.hpp"

namespace trede::stat_test {
namespace {

// Erlang-A parameters: waiting is substantial (P(wait) ≈ 0.85, mean list ≈ 4.7).
constexpr int servers = 10;
constexpr double lambda = 12.0;  // arrivals per year
constexpr double mu = 1.0;       // service completions per year per place
constexpr double theta = 0.5;    // reneging per year per waiting person

constexpr double burn_in_years = 10.0;
constexpr double window_years = 1000.0;
constexpr double report_step = 10.0;

std::string erlang_a_scenario() {
  return R"(
name = "erlang-a"
start_year = 2025.0
horizon_years = )" + num(burn_in_years + window_years) +
         R"(

[report]
step_years = )" + num(report_step) +
         R"(

[[state]]
name = "dienst"
trede = 5
functionality = "H"
capacity = )" + std::to_string(servers) +
         R"(
waiting = "separate"
renege_rate = )" + num(theta) +
         R"(
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
rate = )" + num(mu) +
         R"(

[[inflow]]
state = "dienst"
rate_per_year = )" + num(lambda) + "\n";
}

// Stationary distribution of the birth–death chain: birth λ, death min(n,c)μ + max(n−c,0)θ.
std::vector<double> erlang_a_distribution(std::size_t truncate = 400) {
  std::vector<double> p(truncate);
  p[0] = 1.0;
  for (std::size_t n = 1; n < truncate; ++n) {
    const double nn = static_cast<double>(n);
    const double death = std::min(nn, double{servers}) * mu + std::max(nn - servers, 0.0) * theta;
    p[n] = p[n - 1] * lambda / death;
  }
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= total;
  EXPECT_LT(p.back(), 1e-30) << "truncation too early";
  return p;
}

// Per-replicate sums over the periods after the burn-in.
struct Window {
  std::size_t first = 0, last = 0;  // periods [first, last)
  double years = 0.0;
};

Window window_of(const engine::Layout& L, double burn_in) {
  Window w;
  while (w.first < L.P() && L.period_start[w.first] < L.period_start[0] + burn_in - 1e-9) ++w.first;
  w.last = L.P();
  w.years = L.period_end[w.last - 1] - L.period_start[w.first];
  return w;
}

template <class T>
std::vector<double> window_sum(const std::vector<T>& a, const mc::Ensemble& e, const Window& w, std::size_t col,
                               std::size_t cols) {
  std::vector<double> out(e.replicates, 0.0);
  const std::size_t P = e.layout.P();
  for (std::size_t r = 0; r < e.replicates; ++r)
    for (std::size_t k = w.first; k < w.last; ++k) out[r] += static_cast<double>(a[at3(r, k, col, P, cols)]);
  return out;
}

std::vector<double> divide(std::vector<double> a, double d) {
  for (double& x : a) x /= d;
  return a;
}

std::vector<double> ratio(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] / b[i];
  return out;
}

class ErlangA : public StatTest {};
class LittlesLaw : public StatTest {
 protected:
  // L (time-average list length) against λ_join·W (W: mean wait of those who left the list),
  // both over the window after the burn-in, paired within each replicate.
  void check_little(const mc::Ensemble& e, const std::string& capacity_state, double burn_in) {
    const auto& L = e.layout;
    const std::size_t C = L.C();
    const std::size_t c = capacity_index(L, capacity_state);
    const Window w = window_of(L, burn_in);
    const auto list_years = window_sum(e.values<double>("waiting_years"), e, w, c, C);
    const auto joined = window_sum(e.values<std::int32_t>("waiting_joined"), e, w, c, C);
    const auto admitted = window_sum(e.values<std::int32_t>("waiting_admitted"), e, w, c, C);
    const auto reneged = window_sum(e.values<std::int32_t>("waiting_reneged"), e, w, c, C);
    const auto left = window_sum(e.values<std::int32_t>("waiting_left"), e, w, c, C);
    const auto wait_sum = window_sum(e.values<double>("waiting_time_sum"), e, w, c, C);
    std::vector<double> Lr(e.replicates), lw(e.replicates), diff(e.replicates);
    for (std::size_t r = 0; r < e.replicates; ++r) {
      const double leavers = admitted[r] + reneged[r] + left[r];
      ASSERT_GT(leavers, 100.0) << "too few people left the list to test Little's law" << rerun();
      Lr[r] = list_years[r] / w.years;
      lw[r] = (joined[r] / w.years) * (wait_sum[r] / leavers);
      diff[r] = Lr[r] - lw[r];
    }
    const auto l = estimate(Lr), d = estimate(diff), lwe = estimate(lw);
    std::printf("[ stat     ] %s: L = %.4f, lambda*W = %.4f (list-years/yr vs joins/yr x mean wait)\n",
                capacity_state.c_str(), l.mean, lwe.mean);
    EXPECT_GT(l.mean, 1.0) << "the list must be long enough for the test to mean something";
    expect_z("L - lambda*W on " + capacity_state, d.mean, 0.0, d.se);
  }
};

TEST_F(ErlangA, MatchesBirthDeathStationaryDistribution) {
  const std::size_t R = 200;
  const auto s = model::parse_scenario(erlang_a_scenario(), "erlang-a.toml");
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  const std::size_t S = L.S(), E = L.E(), C = L.C(), T = L.T();
  ASSERT_EQ(C, 1u);
  const std::size_t dienst = state_index(L, "dienst"), wait = state_index(L, "wait_dienst");
  const std::size_t in_direct = edge_index(L, "(inflow)->dienst"), in_wait = edge_index(L, "(inflow)->wait_dienst");
  const Window w = window_of(L, burn_in_years);
  ASSERT_NEAR(w.years, window_years, 1e-6);

  const auto pi = erlang_a_distribution();
  double Lq = 0.0, busy = 0.0, p_wait = 0.0;
  for (std::size_t n = 0; n < pi.size(); ++n) {
    const double nn = static_cast<double>(n);
    Lq += std::max(nn - servers, 0.0) * pi[n];
    busy += std::min(nn, double{servers}) * pi[n];
    if (n >= static_cast<std::size_t>(servers)) p_wait += pi[n];
  }

  // Mean list length: time average of the list (waiting_years / window), and of the waiting
  // state's occupancy (person-years of wait_dienst), which must agree to rounding.
  const auto list_years = window_sum(e.values<double>("waiting_years"), e, w, 0, C);
  const auto wait_py = window_sum(e.values<double>("person_years"), e, w, wait, S);
  for (std::size_t r = 0; r < R; ++r)
    ASSERT_NEAR(list_years[r], wait_py[r], 1e-9 * wait_py[r]) << "replicate " << r << rerun();
  const auto lq = estimate(divide(list_years, w.years));
  expect_z("mean waiting-list length", lq.mean, Lq, lq.se);

  // Mean number in service.
  const auto b = estimate(divide(window_sum(e.values<double>("person_years"), e, w, dienst, S), w.years));
  expect_z("mean places in use", b.mean, busy, b.se);

  // Probability of waiting (PASTA: arrivals see the stationary distribution): the share of
  // arrivals who joined the list, counted both as joins and as arrivals into the waiting state.
  const auto direct = window_sum(e.values<std::int32_t>("flows"), e, w, in_direct, E);
  const auto to_wait = window_sum(e.values<std::int32_t>("flows"), e, w, in_wait, E);
  const auto joined = window_sum(e.values<std::int32_t>("waiting_joined"), e, w, 0, C);
  std::vector<double> arrivals(R);
  for (std::size_t r = 0; r < R; ++r) {
    arrivals[r] = direct[r] + to_wait[r];
    ASSERT_EQ(joined[r], to_wait[r]) << "every arrival into the waiting state joins the list" << rerun();
  }
  const auto pw = estimate(ratio(joined, arrivals));
  expect_z("P(wait) = joined / arrivals", pw.mean, p_wait, pw.se);
  const auto rate = estimate(divide(arrivals, w.years));
  expect_z("arrivals per year", rate.mean, lambda, std::sqrt(lambda / w.years / static_cast<double>(R)));

  // Share of arrivals who renege: θ·Lq/λ (flow balance of the list).
  const auto reneged = window_sum(e.values<std::int32_t>("waiting_reneged"), e, w, 0, C);
  const auto pr = estimate(ratio(reneged, arrivals));
  expect_z("P(abandon) = reneged / arrivals", pr.mean, theta * Lq / lambda, pr.se);

  // Snapshots at report times 10 years apart are nearly independent draws from the stationary
  // distribution: P(list empty) and P(all places busy), with binomial standard errors.
  double snaps = 0.0, empty = 0.0, full = 0.0, list_sum = 0.0;
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t k = 0; k < T; ++k) {
      if (L.report_times[k] < L.report_times[0] + burn_in_years + report_step - 1e-9) continue;
      const auto q = e.values<std::int32_t>("waiting")[at3(r, k, 0, T, C)];
      const auto inside = e.values<std::int32_t>("occupancy")[at3(r, k, dienst, T, S)];
      ASSERT_EQ(q, e.values<std::int32_t>("occupancy")[at3(r, k, wait, T, S)])
          << "list length = occupancy of the waiting state" << rerun();
      ASSERT_LE(inside, servers) << "more people in the capacity state than places" << rerun();
      if (q > 0) {
        ASSERT_EQ(inside, servers) << "someone waits while a place is free" << rerun();
      }
      snaps += 1.0;
      empty += q == 0 ? 1.0 : 0.0;
      full += inside == servers ? 1.0 : 0.0;
      list_sum += q;
    }
  double p_empty = 0.0;
  for (std::size_t n = 0; n <= static_cast<std::size_t>(servers); ++n) p_empty += pi[n];
  expect_binomial("P(list empty) at report times", empty / snaps, p_empty, snaps);
  expect_binomial("P(all places busy) at report times", full / snaps, p_wait, snaps);
  double var_q = 0.0;
  for (std::size_t n = 0; n < pi.size(); ++n) {
    const double q = std::max(static_cast<double>(n) - servers, 0.0);
    var_q += (q - Lq) * (q - Lq) * pi[n];
  }
  expect_z("mean list length at report times", list_sum / snaps, Lq, std::sqrt(var_q / snaps));
}

// FIFO: a person who joins with j people ahead is admitted when those ahead have gone (each
// admission or renege ahead removes one, at rate cμ + jθ) before their own patience (rate θ)
// runs out. With a_j = P(admitted | j ahead) and w_j = E[wait · 1{admitted} | j ahead]:
//   a_0 = cμ/(cμ+θ), w_0 = a_0/(cμ+θ);  r_j = cμ + (j+1)θ,
//   a_j = (cμ+jθ)/r_j · a_{j−1},  w_j = (cμ+jθ)/r_j · (a_{j−1}/r_j + w_{j−1}).
// Joiners find j = n − c ahead with the stationary probability π_n (PASTA). The mean wait of
// those admitted depends on the discipline (Little's law does not), so this checks FIFO order.
TEST_F(ErlangA, FifoWaitOfAdmittedMatchesTaggedCustomerChain) {
  const std::size_t R = 200;
  const auto s = model::parse_scenario(erlang_a_scenario(), "erlang-a.toml");
  const auto e = mc::run(s, options(R));
  const auto pi = erlang_a_distribution();
  const double cmu = servers * mu;
  double a = cmu / (cmu + theta), w = a / (cmu + theta);
  double joined = 0.0, admitted = 0.0, wait_admitted = 0.0;
  for (std::size_t n = servers; n < pi.size(); ++n) {
    const double j = static_cast<double>(n - servers);
    if (n > static_cast<std::size_t>(servers)) {
      const double r = cmu + (j + 1) * theta;
      const double go = (cmu + j * theta) / r;
      w = go * (a / r + w);
      a = go * a;
    }
    joined += pi[n];
    admitted += pi[n] * a;
    wait_admitted += pi[n] * w;
  }
  const double expected_wait = wait_admitted / admitted;
  const double expected_share = admitted / joined;

  const auto& L = e.layout;
  const Window win = window_of(L, burn_in_years);
  const auto adm = window_sum(e.values<std::int32_t>("waiting_admitted"), e, win, 0, L.C());
  const auto adm_wait = window_sum(e.values<double>("waiting_time_admitted_sum"), e, win, 0, L.C());
  const auto joins = window_sum(e.values<std::int32_t>("waiting_joined"), e, win, 0, L.C());
  const auto mw = estimate(ratio(adm_wait, adm));
  std::printf("[ stat     ] mean wait of admitted: %.5f years (FIFO theory %.5f)\n", mw.mean, expected_wait);
  expect_z("mean wait of those admitted (FIFO)", mw.mean, expected_wait, mw.se);
  const auto share = estimate(ratio(adm, joins));
  expect_z("share of joiners admitted", share.mean, expected_share, share.se);
}

TEST_F(LittlesLaw, HoldsOnSeparateWaitingList) {
  const auto s = model::parse_scenario(erlang_a_scenario(), "erlang-a.toml");
  check_little(mc::run(s, options(200)), "dienst", burn_in_years);
}

// In place: people wait in bijstand, leave the list when admitted, when they renege (to uitval)
// and when another transition of bijstand fires (regular work, exit); people come back from
// uitval and may join again.
TEST_F(LittlesLaw, HoldsOnInPlaceWaitingList) {
  const std::string text = R"(
name = "little-in-place"
start_year = 2025.0
horizon_years = 1020.0

[report]
step_years = 10.0

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"

[[state]]
name = "beschut_werk"
trede = 5
functionality = "H"
capacity = 10
renege_rate = 0.3
renege_to = "uitval"

[[state]]
name = "uitval"
trede = 1
functionality = "uitval"

[[state]]
name = "regulier_werk"
absorbing = true

[[state]]
name = "exit"
absorbing = true

[[transition]]
from = "bijstand"
to = "beschut_werk"
rate = 2.0

[[transition]]
from = "bijstand"
to = "regulier_werk"
rate = 0.5

[[transition]]
from = "bijstand"
to = "exit"
rate = 0.1

[[transition]]
from = "beschut_werk"
to = "exit"
rate = 0.2

[[transition]]
from = "uitval"
to = "bijstand"
rate = 1.0

[[inflow]]
state = "bijstand"
rate_per_year = 20.0
)";
  const auto s = model::parse_scenario(text, "little-in-place.toml");
  const auto e = mc::run(s, options(200));
  // All three ways off the list must occur, or the test does not cover them.
  const auto& L = e.layout;
  const Window w = window_of(L, 20.0);
  double adm = 0, ren = 0, left = 0;
  for (double x : window_sum(e.values<std::int32_t>("waiting_admitted"), e, w, 0, L.C())) adm += x;
  for (double x : window_sum(e.values<std::int32_t>("waiting_reneged"), e, w, 0, L.C())) ren += x;
  for (double x : window_sum(e.values<std::int32_t>("waiting_left"), e, w, 0, L.C())) left += x;
  EXPECT_GT(adm, 1000.0);
  EXPECT_GT(ren, 1000.0);
  EXPECT_GT(left, 1000.0);
  // Nobody waits while a place is free.
  const std::size_t x = state_index(L, "beschut_werk");
  for (std::size_t r = 0; r < e.replicates; ++r)
    for (std::size_t k = 0; k < L.T(); ++k) {
      const auto inside = e.values<std::int32_t>("occupancy")[at3(r, k, x, L.T(), L.S())];
      ASSERT_LE(inside, 10) << rerun();
      if (e.values<std::int32_t>("waiting")[at3(r, k, 0, L.T(), L.C())] > 0) {
        ASSERT_EQ(inside, 10) << "someone waits while a place is free" << rerun();
      }
    }
  check_little(e, "beschut_werk", 20.0);
}

// On a sample path where the list starts and ends empty, ∫ list length dt equals the sum of
// all waits exactly (no statistics): inflow (20 a year, above the 10 places can serve) stops
// after five years and the list drains.
TEST_F(LittlesLaw, ExactOnPathsWhereListStartsAndEndsEmpty) {
  std::string text = erlang_a_scenario();
  text.replace(text.find("horizon_years = "), std::string("horizon_years = 1010.0").size(), "horizon_years = 30.0");
  text.replace(text.find("step_years = "), std::string("step_years = 10.0").size(), "step_years = 1.0");
  text.replace(text.find("rate_per_year = "), std::string::npos, "rate_per_year = {2025 = 20.0, 2030 = 0.0}\n");
  const auto s = model::parse_scenario(text, "erlang-a-drain.toml");
  const auto e = mc::run(s, options(50));
  const auto& L = e.layout;
  const std::size_t P = L.P(), C = L.C(), T = L.T();
  std::size_t checked = 0;
  double all_joined = 0.0;
  for (std::size_t r = 0; r < e.replicates; ++r) {
    if (e.values<std::int32_t>("waiting")[at3(r, T - 1, 0, T, C)] != 0) continue;
    double area = 0.0, waits = 0.0, joined = 0.0, out = 0.0;
    for (std::size_t k = 0; k < P; ++k) {
      const std::size_t i = at3(r, k, 0, P, C);
      area += e.values<double>("waiting_years")[i];
      waits += e.values<double>("waiting_time_sum")[i];
      joined += e.values<std::int32_t>("waiting_joined")[i];
      out += e.values<std::int32_t>("waiting_admitted")[i] + e.values<std::int32_t>("waiting_reneged")[i] +
             e.values<std::int32_t>("waiting_left")[i];
    }
    all_joined += joined;
    EXPECT_EQ(joined, out) << "replicate " << r << rerun();
    EXPECT_NEAR(area, waits, 1e-9 * std::max(1.0, waits)) << "replicate " << r << rerun();
    ++checked;
  }
  EXPECT_GE(checked, e.replicates - 1) << "lists should have drained by the end";
  EXPECT_GT(all_joined, 1000.0) << "the lists must have been used";
}

}  // namespace
}  // namespace trede::stat_test
