// Results by person attribute ([report.by]) against closed forms.
//
// N people start in state a with an age uniform on [20, 60] and a doelgroep drawn with weights
// (0.7, 0.3); they leave a for work w (absorbing) at rate μ. Age and leaving are independent, so
// at time t the people in a in age band [l, u) number N·P(A + t ∈ [l, u))·exp(−μt), binomial;
// those in a with level k number N·w_k·exp(−μt). Everyone who reached w by t did so at an age in
// the band of their age then: P(A + τ ∈ [l, u), τ ≤ t) with τ ~ Exp(μ) — by quadrature. Moves
// a -> w in each period by band at the move follow the same way. Every breakdown adds up to
// the totals exactly, in every replicate.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "stat_support.hpp"
#include "trede/error.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/model/load.hpp"

namespace {

using namespace trede;
using stat_test::StatTest;

constexpr int people = 4000;
constexpr double mu = 0.3, age_lo = 20.0, age_hi = 60.0;
const std::vector<double> edges = {30.0, 40.0, 50.0};

std::string model_text() {
  return R"(
start_year = 2025
horizon_years = 6
[report]
step_years = 2
[report.by]
age = [30, 40, 50]
doelgroep = true
[attributes.age]
type = "age"
[attributes.doelgroep]
type = "category"
levels = ["geen", "beschut"]
[kpi]
work_states = ["w"]
[[state]]
name = "a"
trede = 2
[[state]]
name = "w"
trede = 6
absorbing = true
[[transition]]
from = "a"
to = "w"
rate = )" + stat_test::num(mu) + R"(
[[population]]
state = "a"
count = )" + std::to_string(people) + R"(
[population.attributes]
age = { dist = "uniform", min = 20, max = 60 }
doelgroep = { dist = "categorical", values = ["geen", "beschut"], weights = [0.7, 0.3] }
)";
}

// P(A + shift in band b) for A uniform on [age_lo, age_hi]; band b of the edges (0: below the first).
double band_probability(std::size_t b, double shift) {
  const double lo = b == 0 ? -1e300 : edges[b - 1], hi = b == edges.size() ? 1e300 : edges[b];
  const double a = std::max(lo - shift, age_lo), z = std::min(hi - shift, age_hi);
  return std::max(0.0, z - a) / (age_hi - age_lo);
}

class ByGroup : public StatTest {};

TEST_F(ByGroup, OccupancyAndMovesByAgeBandAndLevelMatchTheClosedForms) {
  const auto s = model::parse_scenario(model_text(), "by_group.toml");
  const std::uint64_t R = 100;
  const mc::Ensemble e = mc::run(s, options(R));
  const engine::Layout& L = e.layout;
  ASSERT_EQ(L.groups, (std::vector<std::string>{"age < 30", "age 30-40", "age 40-50", "age >= 50", "doelgroep = geen",
                                                 "doelgroep = beschut"}));
  const std::size_t T = L.T(), P = L.P(), B = L.B(), S = L.S(), E = L.E();
  ASSERT_EQ(e.values<std::int32_t>("by_group/occupancy").size(), R * T * B * S);
  ASSERT_EQ(e.values<std::int32_t>("by_group/flows").size(), R * P * B * E);
  const std::size_t a = 0, w = 1;
  std::size_t move = E;
  for (std::size_t j = 0; j < E; ++j)
    if (L.edges[j].from == "a" && L.edges[j].to == "w") move = j;
  ASSERT_LT(move, E);

  // Every breakdown adds up to the totals, in every replicate, cell by cell.
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t k = 0; k < T; ++k)
      for (std::size_t st = 0; st < S; ++st) {
        const std::int32_t total = e.values<std::int32_t>("occupancy")[(r * T + k) * S + st];
        std::int32_t by_age = 0, by_level = 0;
        for (std::size_t b = 0; b < 4; ++b)
          by_age += e.values<std::int32_t>("by_group/occupancy")[((r * T + k) * B + b) * S + st];
        for (std::size_t b = 4; b < 6; ++b)
          by_level += e.values<std::int32_t>("by_group/occupancy")[((r * T + k) * B + b) * S + st];
        ASSERT_EQ(by_age, total) << "replicate " << r << " time " << k << " state " << st;
        ASSERT_EQ(by_level, total) << "replicate " << r << " time " << k << " state " << st;
      }
    for (std::size_t k = 0; k < P; ++k)
      for (std::size_t j = 0; j < E; ++j) {
        const std::int32_t total = e.values<std::int32_t>("flows")[(r * P + k) * E + j];
        std::int32_t by_age = 0;
        for (std::size_t b = 0; b < 4; ++b)
          by_age += e.values<std::int32_t>("by_group/flows")[((r * P + k) * B + b) * E + j];
        ASSERT_EQ(by_age, total) << "replicate " << r << " period " << k << " edge " << j;
      }
  }

  auto mean_occupancy = [&](std::size_t k, std::size_t b, std::size_t st) {
    double sum = 0.0;
    for (std::size_t r = 0; r < R; ++r)
      sum += e.values<std::int32_t>("by_group/occupancy")[((r * T + k) * B + b) * S + st];
    return sum / static_cast<double>(R);
  };
  auto binomial_se = [&](double p) { return std::sqrt(people * p * (1.0 - p) / static_cast<double>(R)); };
  for (std::size_t k = 0; k < T; ++k) {
    const double t = L.report_times[k] - s.start_year;
    const double stay = std::exp(-mu * t);
    for (std::size_t b = 0; b < 4; ++b) {
      // Still in a, in band b now.
      const double p = band_probability(b, t) * stay;
      expect_z("in a, " + L.groups[b] + ", t = " + stat_test::num(t), mean_occupancy(k, b, a), people * p, binomial_se(p));
      // Reached w by t at an age in band b: ∫_0^t μ e^{−μτ} P(A + τ ∈ b) dτ.
      const double q = t == 0.0 ? 0.0
                                : stat_test::simpson([&](double tau) { return mu * std::exp(-mu * tau) * band_probability(b, tau); },
                                                     0.0, t, 2000);
      expect_z("in w, " + L.groups[b] + ", t = " + stat_test::num(t), mean_occupancy(k, b, w), people * q, binomial_se(q));
    }
    for (std::size_t level = 0; level < 2; ++level) {
      const double p = (level == 0 ? 0.7 : 0.3) * stay;
      expect_z("in a, " + L.groups[4 + level] + ", t = " + stat_test::num(t), mean_occupancy(k, 4 + level, a), people * p,
               binomial_se(p));
    }
  }
  // Moves a -> w in period k by the band of the age at the move.
  for (std::size_t k = 0; k < P; ++k) {
    const double t0 = L.period_start[k] - s.start_year, t1 = L.period_end[k] - s.start_year;
    for (std::size_t b = 0; b < 4; ++b) {
      double sum = 0.0;
      for (std::size_t r = 0; r < R; ++r)
        sum += e.values<std::int32_t>("by_group/flows")[((r * P + k) * B + b) * E + move];
      const double q = t1 <= t0 ? 0.0
                                : stat_test::simpson([&](double tau) { return mu * std::exp(-mu * tau) * band_probability(b, tau); },
                                                     t0, t1, 2000);
      expect_z("moves a->w, " + L.groups[b] + ", period " + std::to_string(k), sum / static_cast<double>(R), people * q,
               binomial_se(q));
    }
  }
}

TEST_F(ByGroup, BadBreakdownsAreRefusedWithFileLineAndKey) {
  const std::string base = model_text();
  auto message = [&](const std::string& from, const std::string& to) {
    std::string text = base;
    text.replace(text.find(from), from.size(), to);
    try {
      (void)model::parse_scenario(text, "by.toml");
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("age = [30, 40, 50]", "agee = [30, 40, 50]").find("by.toml:7: report.by.agee: no attribute 'agee' (did you mean 'age'?)"),
            std::string::npos)
      << message("age = [30, 40, 50]", "agee = [30, 40, 50]");
  EXPECT_NE(message("age = [30, 40, 50]", "age = [30, 30, 50]").find("strictly increasing"), std::string::npos);
  EXPECT_NE(message("age = [30, 40, 50]", "age = []").find("band edges"), std::string::npos);
  EXPECT_NE(message("doelgroep = true", "doelgroep = [1, 2]").find("doelgroep = true"), std::string::npos);
}

}  // namespace
