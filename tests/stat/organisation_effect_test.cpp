// Organisation effects against closed forms: an [[organisation_effect]] multiplies the hazards
// of the transitions it selects exactly for the people of regions whose organisation model it
// names (or whose model runs its functionality by its organisation), and for no one else.
//
// Two regions share one model. Noord runs partieel (B, development, by the SOB), Zuid klassiek
// (B by the sociale dienst). Effect 0 doubles the exits into work of states whose B is run by
// the SOB (an exponential competing risk: Noord's traject); effect 1 halves a Weibull hazard
// under klassiek (Zuid's diagnose). Each region's occupancy must follow its own solution, with
// the multiplier where it applies and without it elsewhere. A PSA with the multiplier drawn from
// its prior must give, draw by draw, the solution at the drawn multiplier.

#include <cmath>
#include <string>
#include <vector>

#include "stat_support.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/executor.hpp"
#include "trede/mc/psa.hpp"

namespace trede::stat_test {
namespace {

class OrganisationEffect : public StatTest {};

constexpr double a = 0.4, b = 0.3;             // traject -> werk, -> terug (per year)
constexpr double k = 1.5, lambda = 2.0, c = 0.2;  // diagnose -> baan Weibull(shape, scale); -> stop
constexpr double m_work = 2.0, m_weibull = 0.5;   // the two effects
constexpr int people = 20000;                     // per state and region

std::string model_text(const std::string& regions, const std::string& effects) {
  return R"(
name = "effects"
start_year = 2025.0
horizon_years = 5.0
organisation_model = "partieel"

[kpi]
work_states = ["werk", "baan"]

[[state]]
name = "traject"
trede = 3
functionality = "B"

[[state]]
name = "diagnose"
trede = 2
functionality = "A"

[[state]]
name = "werk"
absorbing = true

[[state]]
name = "baan"
absorbing = true

[[state]]
name = "terug"
absorbing = true

[[state]]
name = "stop"
absorbing = true

[[transition]]
from = "traject"
to = "werk"
rate = )" + num(a) + R"(

[[transition]]
from = "traject"
to = "terug"
rate = )" + num(b) + R"(

[[transition]]
from = "diagnose"
to = "baan"
hazard = "weibull"
shape = )" + num(k) + R"(
scale = )" + num(lambda) + R"(

[[transition]]
from = "diagnose"
to = "stop"
rate = )" + num(c) + "\n" + effects + regions;
}

std::string region(const std::string& name, const std::string& model) {
  return "\n[[region]]\nname = \"" + name + "\"\n" + (model.empty() ? "" : "organisation_model = \"" + model + "\"\n") +
         "[[region.population]]\nstate = \"traject\"\ncount = " + std::to_string(people) +
         "\n[[region.population]]\nstate = \"diagnose\"\ncount = " + std::to_string(people) + "\n";
}

// Traject: two exponential risks, the one into work multiplied by m.
double in_traject(double m, double t) { return std::exp(-(a * m + b) * t); }
double to_work(double m, double t) { return a * m / (a * m + b) * (1.0 - std::exp(-(a * m + b) * t)); }

// Diagnose: a Weibull hazard multiplied by w racing an exponential one.
double in_diagnose(double w, double t) { return std::exp(-w * std::pow(t / lambda, k) - c * t); }
double to_baan(double w, double t) {
  if (t <= 0.0) return 0.0;
  return simpson([&](double s) { return w * k / lambda * std::pow(s / lambda, k - 1.0) * in_diagnose(w, s); }, 0.0, t, 4000);
}

TEST_F(OrganisationEffect, MultipliesTheRateExactlyWhereTheOrganisationRunsItAndNowhereElse) {
  const std::string effects = R"(
[[organisation_effect]]
functionality = "B"
organisation = "SOB"
into = "work"
multiplier = )" + num(m_work) + R"(

[[organisation_effect]]
organisation_model = "klassiek"
transition = "diagnose->baan"
multiplier = )" + num(m_weibull) + "\n";
  const auto s = model::parse_scenario(model_text(region("Noord", "") + region("Zuid", "klassiek"), effects), "effects.toml");
  const std::size_t R = 20;
  const auto e = mc::run(s, options(R));
  const auto& L = e.layout;
  ASSERT_EQ(L.G(), 2u);
  const double n = static_cast<double>(R) * people;
  auto share = [&](std::size_t g, const std::string& state, std::size_t t) {
    const std::size_t j = state_index(L, state);
    double sum = 0.0;
    for (std::size_t r = 0; r < R; ++r)
      sum += e.values<std::int32_t>("region/occupancy")[((r * L.T() + t) * L.G() + g) * L.S() + j];
    return sum / n;
  };
  // Noord (partieel): B by the SOB, so traject's exits into work are doubled; the Weibull is not
  // touched (its model is not klassiek). Zuid (klassiek): the other way round.
  const struct {
    const char* name;
    double m, w;
  } regions[] = {{"Noord", m_work, 1.0}, {"Zuid", 1.0, m_weibull}};
  for (std::size_t g = 0; g < 2; ++g) {
    const double m = regions[g].m, w = regions[g].w;
    const std::string where = std::string(" in ") + regions[g].name + " at t = ";
    for (std::size_t t = 1; t < L.T(); ++t) {
      const double years = L.report_times[t] - s.start_year;
      expect_binomial("traject" + where + fmt(years), share(g, "traject", t), in_traject(m, years), n);
      expect_binomial("werk" + where + fmt(years), share(g, "werk", t), to_work(m, years), n);
      expect_binomial("terug" + where + fmt(years), share(g, "terug", t), 1.0 - in_traject(m, years) - to_work(m, years), n);
      expect_binomial("diagnose" + where + fmt(years), share(g, "diagnose", t), in_diagnose(w, years), n);
      expect_binomial("baan" + where + fmt(years), share(g, "baan", t), to_baan(w, years), n);
    }
  }
  // The effect is what makes the difference: Noord's traject without it would hold
  // exp(-(a + b) t), many standard errors above the observed share.
  const double years = L.report_times[1] - s.start_year;
  const double se = std::sqrt(in_traject(1.0, years) * (1.0 - in_traject(1.0, years)) / n);
  EXPECT_GT((in_traject(1.0, years) - share(0, "traject", 1)) / se, 20.0) << rerun();
}

TEST_F(OrganisationEffect, EachPsaDrawRunsTheMultiplierItDrew) {
  const std::string effects = R"(
[[organisation_effect]]
name = "sob-werk"
functionality = "B"
organisation = "SOB"
into = "work"
multiplier = 1.0

[uncertainty]
"organisation_effect[sob-werk].multiplier" = { dist = "lognormal", median = 1.0, sd_log = 0.5 }
)";
  const auto s = model::parse_scenario(model_text(region("Noord", ""), effects), "effects.toml");
  const std::size_t D = 16, R = 4;
  mc::PsaOptions o;
  o.run.replicates = R;
  o.run.seed = seed();
  o.draws = D;
  o.method = mc::PointMethod::sobol;
  mc::ThreadExecutor exec;
  const mc::Psa p = mc::psa(s, o, exec);
  const auto occ = mc::array<std::int32_t>(p.pooled, "occupancy");
  const std::size_t werk = occ.index(mc::Dim::state, "werk"), traject = occ.index(mc::Dim::state, "traject");
  const std::size_t T = occ.extent(1) - 1;
  const double years = p.pooled.layout.report_times[T] - s.start_year;
  const double n = static_cast<double>(R) * people;
  double lowest = 1e300, highest = 0.0;
  for (std::size_t d = 0; d < D; ++d) {
    const double m = p.draws.draw(d)[0];
    lowest = std::min(lowest, m), highest = std::max(highest, m);
    double w = 0.0, tr = 0.0;
    for (std::size_t r = 0; r < R; ++r) w += occ(d * R + r, T, werk), tr += occ(d * R + r, T, traject);
    expect_binomial("werk at the end, draw " + std::to_string(d) + " (multiplier " + fmt(m) + ")", w / n, to_work(m, years), n);
    expect_binomial("traject at the end, draw " + std::to_string(d), tr / n, in_traject(m, years), n);
  }
  // The draws spread over the prior (a lognormal with sd_log 0.5: 16 Sobol points span about
  // e^{±1.9}), so the checks above see clearly different multipliers.
  EXPECT_LT(lowest, 0.6);
  EXPECT_GT(highest, 1.6);
}

}  // namespace
}  // namespace trede::stat_test
