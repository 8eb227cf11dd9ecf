// trede compare: scenarios on common random numbers; paired differences with intervals.

#include <algorithm>
#include <vector>
#include <charconv>
#include <atomic>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "common.hpp"
#include "format.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "trede/engine/result.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/compare.hpp"
#include "trede/model/load.hpp"

namespace trede::cli {
namespace {

struct Args : RunArgs, DrawArgs {
  std::vector<std::string> scenarios;
  std::string output;
  bool no_independent = false;
  double confidence = 0.95;
  std::int64_t trajectories = 0;
  std::vector<std::string> organisation_models;  // one scenario, every one of these models
  std::vector<std::string> set_for;              // N:key=value, for the N-th scenario only
  std::string effect = "persons_reaching_work";
  double wtp = 50000.0;
  double wtp_max = 200000.0;
  bool detail = false;
  std::string lang = "en";
};

// The words of the answer table, in English (the default) and Dutch (--lang nl, the domain's own
// words: uitstroom naar werk, personen naar werk, referentie).
struct Words {
  const char* header_psa;  // N, draws, replicates per draw, plural, seed, reference
  const char* header_run;  // N, replicates, seed, reference
  const char* plural;      // of "replicate(s)" after a count of 1 or more
  const char* uncertainty_line;
  const char* no_draws;
  const char* moves;
  const char* difference_in;
  const char* extra_cost_per_extra;
  const char* best;
  const char* reference;
  const char* not_bounded;
  const char* unbounded;
  const char* footer;
  const char* over_draws;
  const char* over_replicates;
  const char* evpi;
  const char* drivers;
  const char* note;
  const char* unit_person;
  const char* unit_year;
  const char* sep;  // between the ends of an interval: "[1, 2]"; Dutch "[1,5; 2]" (the comma is the decimal sign)
};

constexpr Words english{
    "comparison of %zu scenarios on %zu parameter draws x %llu replicate%s (seed %llu), common random numbers "
    "and common draws; reference: %s\n",
    "comparison of %zu scenarios, %llu replicates each, seed %llu, common random numbers; reference: %s\n",
    "s",
    "uncertainty in the %d%% intervals: %s%s\n",
    " (no uncertain parameters drawn: add --draws D to include them)",
    "uitstroom_werk (moves)",
    "difference in ",
    "extra cost per extra ",
    "P(best)",
    "(reference)",
    " [not bounded: effect may be 0]",
    " [unbounded]",
    "\nP(best): probability of the largest net benefit at %s per extra %s (--wtp); intervals of values and "
    "differences are the %d%% range over the %s; the extra cost per extra %s has a Fieller interval.\n",
    "parameter draws",
    "replicates",
    "\nexpected value of perfect information at %s: %s; of each group of parameters (EVPPI):\n",
    "\nwhat drives the difference in %s (first-order sensitivity index of each group, per scenario):\n",
    "note: %s\n",
    "person reaching work",
    "person-year in work",
    ", ",
};

constexpr Words dutch{
    "vergelijking van %zu scenario's op %zu parametertrekkingen x %llu replicatie%s (seed %llu), gemeenschappelijke "
    "toevalsgetallen en trekkingen; referentie: %s\n",
    "vergelijking van %zu scenario's, elk %llu replicaties, seed %llu, gemeenschappelijke toevalsgetallen; "
    "referentie: %s\n",
    "s",
    "onzekerheid in de %d%%-intervallen: %s%s\n",
    " (geen onzekere parameters getrokken: voeg --draws D toe om ze mee te nemen)",
    "uitstroom naar werk",
    "verschil in ",
    "extra kosten per extra ",
    "P(beste)",
    "(referentie)",
    " [niet begrensd: effect kan 0 zijn]",
    " [onbegrensd]",
    "\nP(beste): kans op de grootste netto-opbrengst bij %s per extra %s (--wtp); intervallen van waarden en "
    "verschillen zijn het %d%%-bereik over de %s; de extra kosten per extra %s hebben een Fieller-interval.\n",
    "parametertrekkingen",
    "replicaties",
    "\nverwachte waarde van perfecte informatie bij %s: %s; per groep parameters (EVPPI):\n",
    "\nwat het verschil in %s bepaalt (eerste-orde-gevoeligheidsindex van elke groep, per scenario):\n",
    "noot: %s\n",
    "persoon naar werk",
    "persoonsjaar in werk",
    "; ",
};

// A KPI's name in the answer table: its id in English (as `trede info` lists it), the domain's
// words in Dutch.
std::string kpi_label(const std::string& kpi, Lang lang) {
  if (lang == Lang::en) return kpi;
  if (kpi == "persons_reaching_work") return "personen naar werk";
  if (kpi == "person_years_in_work") return "persoonsjaren in werk";
  if (kpi == "cost_total_eur") return "totale kosten (EUR)";
  if (kpi == "uitstroom_werk") return "uitstroom naar werk";
  return kpi;
}

// The sources of uncertainty the intervals include, in the table's language.
std::string uncertainty_text(const mc::Comparison& c, Lang lang) {
  const mc::DecisionSummary& d = c.decision;
  if (lang == Lang::en) return d.uncertainty;
  char buf[160];
  if (c.replicates_per_draw > 0)
    std::snprintf(buf, sizeof buf, "Monte Carlo + parameters (%zu trekkingen x %llu replicatie%s)", c.draws.draws,
                  static_cast<unsigned long long>(c.replicates_per_draw), c.replicates_per_draw == 1 ? "" : "s");
  else
    std::snprintf(buf, sizeof buf, "Monte Carlo (%llu replicaties)",
                  static_cast<unsigned long long>(c.ensembles.front().replicates));
  return buf;
}

// The answer first: per option the effect, moves into work, the cost, the difference in effect
// against the reference, the extra cost per extra unit of effect and the probability of the
// largest net benefit — each with its interval, and what uncertainty the intervals hold.
void print_decision(const mc::Comparison& c, Lang lang = Lang::en) {
  const Words& w = lang == Lang::nl ? dutch : english;
  const mc::DecisionSummary& d = c.decision;
  const auto& base = c.ensembles.front();
  const int level = static_cast<int>(std::lround(c.confidence * 100));
  if (c.replicates_per_draw > 0)
    std::printf(w.header_psa, c.names.size(), c.draws.draws, static_cast<unsigned long long>(c.replicates_per_draw),
                c.replicates_per_draw == 1 ? "" : w.plural, static_cast<unsigned long long>(base.seed),
                c.names.front().c_str());
  else
    std::printf(w.header_run, c.names.size(), static_cast<unsigned long long>(base.replicates),
                static_cast<unsigned long long>(base.seed), c.names.front().c_str());
  std::printf(w.uncertainty_line, level, uncertainty_text(c, lang).c_str(), d.parameter_uncertainty ? "" : w.no_draws);
  auto find = [&](const std::string& k) -> const mc::KpiDecision* {
    for (const auto& x : d.kpis)
      if (x.kpi == k) return &x;
    return nullptr;
  };
  const mc::KpiDecision* eff = find(d.options.effect);
  const mc::KpiDecision* moves = find("uitstroom_werk");
  const mc::KpiDecision* cost = find(d.options.cost);
  if (!eff || !cost) {
    for (const auto& n : d.notes) std::printf(w.note, n.c_str());
    return;
  }
  const std::string unit = d.options.effect == "person_years_in_work" ? w.unit_year : w.unit_person;
  const std::string effect = kpi_label(eff->kpi, lang);
  // The names column as wide as the longest name (organisation models make long ones), never cut.
  int name_width = 34;
  for (const auto& n : c.names) name_width = std::max(name_width, static_cast<int>(n.size()));
  std::printf("\n%-*s %26s %26s %30s %26s %28s %8s\n", name_width, "", effect.c_str(), moves ? w.moves : "",
              kpi_label(cost->kpi, lang).c_str(), (w.difference_in + effect).c_str(),
              (w.extra_cost_per_extra + unit).c_str(), w.best);
  for (std::size_t i = 0; i < c.names.size(); ++i) {
    auto cell = [&](const mc::KpiDecision* k) {
      if (!k) return std::string();
      return format_kpi(k->kpi, k->mean[i], lang) + " [" + format_kpi(k->kpi, k->q_lower[i], lang) + w.sep +
             format_kpi(k->kpi, k->q_upper[i], lang) + "]";
    };
    std::string diff = w.reference, icer;
    if (i > 0) {
      const auto& x = eff->difference[i - 1];
      diff = format_kpi_difference(eff->kpi, x.mean, lang) + " [" + format_kpi_difference(eff->kpi, x.q_lower, lang) +
             w.sep + format_kpi_difference(eff->kpi, x.q_upper, lang) + "]";
      if (i - 1 < d.cost_per_person.size()) {
        const auto& r = d.options.effect == "person_years_in_work" ? d.cost_per_person_year[i - 1] : d.cost_per_person[i - 1];
        icer = format_money(r.ratio, lang);
        if (r.fieller.kind == mc::RatioInterval::Kind::bounded)
          icer += " [" + format_money(r.fieller.lower, lang) + w.sep + format_money(r.fieller.upper, lang) + "]";
        else
          icer += r.fieller.kind == mc::RatioInterval::Kind::exclusive ? w.not_bounded : w.unbounded;
      }
    }
    const std::string pb = i < d.probability_best_reference.size()
                               ? format_share(d.probability_best_reference[i], lang) : format_share(NAN, lang);
    std::printf("%-*s %26s %26s %30s %26s %28s %8s\n", name_width, c.names[i].c_str(), cell(eff).c_str(), cell(moves).c_str(),
                cell(cost).c_str(), diff.c_str(), icer.c_str(), pb.c_str());
  }
  std::printf(w.footer, format_money(d.options.lambda_reference, lang).c_str(), unit.c_str(), level,
              d.parameter_uncertainty ? w.over_draws : w.over_replicates, unit.c_str());
  if (!d.evppi.empty()) {
    // The value of knowing each group of uncertain parameters at the reference willingness to pay.
    const auto& lam = d.acceptability.lambda;
    std::size_t l = 0;
    for (std::size_t j = 0; j < lam.size(); ++j)
      if (std::fabs(lam[j] - d.options.lambda_reference) < std::fabs(lam[l] - d.options.lambda_reference)) l = j;
    std::printf(w.evpi, format_money(lam[l], lang).c_str(), format_money(d.acceptability.evpi[l], lang).c_str());
    for (std::size_t g = 0; g < d.evppi.size(); ++g)
      std::printf("  %-60.60s %s\n", d.evppi_groups[g].c_str(), format_money(d.evppi[g].value[l], lang).c_str());
  }
  if (!d.sensitivity_effect.empty()) {
    std::printf(w.drivers, effect.c_str());
    // One column per scenario against the reference, headed by its name.
    std::vector<int> width(d.sensitivity_effect.size());
    std::printf("  %-60s", "");
    for (std::size_t i = 0; i < width.size(); ++i) {
      width[i] = std::max(8, static_cast<int>(c.names[i + 1].size()));
      std::printf(" %*s", width[i], c.names[i + 1].c_str());
    }
    std::printf("\n");
    for (std::size_t g = 0; g < d.sensitivity_groups.size(); ++g) {
      std::printf("  %-60.60s", d.sensitivity_groups[g].c_str());
      for (std::size_t i = 0; i < width.size(); ++i)
        std::printf(" %*s", width[i], format_share(d.sensitivity_effect[i].first_order[g], lang).c_str());
      std::printf("\n");
    }
  }
  for (const auto& n : d.notes) std::printf(w.note, n.c_str());
}

void print_detail(const mc::Comparison& c) {
  const auto& L = c.ensembles.front().layout;
  const auto& base = c.ensembles.front();
  const int level = static_cast<int>(std::lround(c.confidence * 100));
  for (std::size_t d = 0; d < c.kpi.size(); ++d) {
    std::printf("\n%s - %s: paired difference, mean [%d%% interval]%s\n", c.names[d + 1].c_str(),
                c.names.front().c_str(), level,
                c.variance_reduction_kpi.empty() ? "" : "; variance reduction vs independent streams");
    for (std::size_t k = 0; k < L.K(); ++k) {
      const std::string& name = L.kpi_names[k];
      std::printf("  %-36s %16s  %16s  [%s, %s]", name.c_str(), format_kpi(name, base.summary("kpi").mean[k]).c_str(),
                  format_kpi_difference(name, c.kpi[d].mean[k]).c_str(),
                  format_kpi_difference(name, c.kpi[d].lo[k]).c_str(),
                  format_kpi_difference(name, c.kpi[d].hi[k]).c_str());
      if (!c.variance_reduction_kpi.empty()) std::printf("  x%s", format_number(c.variance_reduction_kpi[d][k]).c_str());
      std::printf("\n");
    }
  }
  // Per period: the KPIs policy teams ask for first.
  for (std::size_t d = 0; d < c.kpi_period.size(); ++d) {
    std::printf("\n%s - %s per period (to the report time): uitstroom_werk, uitval, cost_eur [%d%% interval]\n",
                c.names[d + 1].c_str(), c.names.front().c_str(), level);
    for (std::size_t p = 0; p < L.P(); ++p) {
      if (L.period_end[p] <= L.period_start[p]) continue;
      std::printf("  %8.2f", L.period_end[p]);
      for (std::size_t k : {engine::kpp_uitstroom_werk, engine::kpp_uitval, engine::kpp_cost_eur}) {
        const std::size_t i = p * L.Kp() + k;
        const std::string& name = L.kpi_period_names[k];
        std::printf("  %12s [%s, %s]", format_kpi_difference(name, c.kpi_period[d].mean[i]).c_str(),
                    format_kpi_difference(name, c.kpi_period[d].lo[i]).c_str(),
                    format_kpi_difference(name, c.kpi_period[d].hi[i]).c_str());
      }
      std::printf("\n");
    }
  }
  if (!c.variance_reduction_kpi.empty()) {
    std::vector<double> v;
    for (const auto& row : c.variance_reduction_kpi)
      for (double x : row)
        if (std::isfinite(x)) v.push_back(x);
    std::sort(v.begin(), v.end());
    if (!v.empty())
      std::printf("\nvariance reduction from common random numbers (var independent / var paired) over all KPIs: "
                  "median x%s, range x%s to x%s\n",
                  format_number(v[v.size() / 2]).c_str(), format_number(v.front()).c_str(), format_number(v.back()).c_str());
  }
}

int run(const Args& a) {
  mc::CompareOptions opt;
  opt.run = run_options(a);
  if (a.trajectories < 0) throw BadInput{"--trajectories: must be >= 0 (got " + std::to_string(a.trajectories) + ")"};
  if (a.quiet && a.detail) throw BadInput{"--detail: prints tables, which -q turns off"};
  // What only the output file holds is refused without one, not dropped without a word.
  if (a.output.empty() && a.trajectories > 0) throw BadInput{"--trajectories: the traced life courses are written to -o: give an output file"};
  if (a.output.empty() && a.compression_given) throw BadInput{"--compression: applies to the output file: give -o"};
  opt.run.trace_people = static_cast<std::uint64_t>(a.trajectories);
  opt.measure_independent = !a.no_independent;
  opt.confidence = a.confidence;
  const mc::PointMethod method = draw_method(a);
  if (a.draws > 0) {
    if (a.trajectories > 0) throw BadInput{"--trajectories cannot be used with --draws"};
    opt.draws = static_cast<std::size_t>(a.draws);
    opt.method = method;
    opt.common_streams = a.common_streams;
    opt.measure_independent = false;  // the draws' own spread is the uncertainty that matters
    if (!a.replicates_given) opt.run.replicates = 1;
  }
  if (a.effect != "persons_reaching_work" && a.effect != "person_years_in_work")
    throw BadInput{"--effect: persons_reaching_work or person_years_in_work (got " + a.effect + ")"};
  opt.decision.effect = a.effect;
  opt.decision.lambda_reference = a.wtp;
  opt.decision.lambda_max = a.wtp_max;
  opt.decision.confidence = a.confidence;
  opt.decision.seed = opt.run.seed;
  opt.check();
  if (!a.output.empty()) check_output_path("-o", a.output);
  // Per-scenario overrides: "N:key=value" for the N-th scenario (1-based).
  std::vector<std::vector<std::string>> own(std::max<std::size_t>(a.scenarios.size(), 1));
  for (const auto& f : a.set_for) {
    const auto colon = f.find(':');
    std::size_t n = 0;
    const auto [p, ec] = std::from_chars(f.data(), f.data() + (colon == std::string::npos ? 0 : colon), n);
    if (colon == std::string::npos || ec != std::errc{} || p != f.data() + colon || n < 1 || n > own.size())
      throw BadInput{"--set-for '" + f + "': write N:key=value with N the scenario's position, 1 to " +
                     std::to_string(own.size())};
    own[n - 1].push_back(f.substr(colon + 1));
  }
  std::vector<model::Scenario> scenarios;
  std::vector<Diagnostic> problems;
  for (std::size_t i = 0; i < a.scenarios.size(); ++i) {
    try {
      auto sets = a.sets;
      sets.insert(sets.end(), own[i].begin(), own[i].end());
      scenarios.push_back(model::load_scenario(a.scenarios[i], sets));
    } catch (const ModelError& e) {
      // A problem of a --set-for is reported as the --set-for the user typed (the loader saw a
      // --set), with the scenario it was for.
      std::vector<Diagnostic> found = e.diagnostics();
      model::relabel_overrides(found, own[i], [&](const std::string& o) {
        return "--set-for '" + std::to_string(i + 1) + ":" + o + "' (" + a.scenarios[i] + ")";
      });
      problems.insert(problems.end(), found.begin(), found.end());
    } catch (const IoError& e) {
      problems.push_back({"", 0, "", e.what()});  // the message names the file
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  if (!a.organisation_models.empty()) {
    if (scenarios.size() != 1)
      throw BadInput{"--organisation-models compares one scenario under several organisation models: give one scenario file"};
    scenarios = mc::organisation_variants(scenarios.front(), a.organisation_models);
  } else if (scenarios.size() < 2) {
    throw BadInput{"compare needs at least two scenario files (or one with --organisation-models)"};
  }
  if (!a.output.empty()) guard_outputs(io::scenario_inputs(scenarios), {{"-o", a.output}});
  mc::check_comparable(scenarios);  // before any run
  ProgressBar bar(root() && !a.quiet && stderr_is_terminal(), opt.draws > 0 ? "draws" : "replicates");
  // Progress in units a user knows: which scenario, and its replicates.
  const std::string of_n = "/" + std::to_string(scenarios.size());
  auto current = std::make_shared<std::atomic<std::size_t>>(SIZE_MAX);
  opt.run_progress = [&bar, of_n, current, n = scenarios.size()](std::size_t run, std::size_t runs, std::uint64_t done,
                                                                  std::uint64_t replicates) {
    if (current->exchange(run) != run)
      bar.set_step(run < n ? "scenario " + std::to_string(run + 1) + of_n
                           : "scenario " + std::to_string(run - n + 2) + of_n + " on independent streams",
                   run, runs);
    bar.update(done, replicates);
  };
  io::WriteOptions wo;
  wo.compression_level = a.compression;
  wo.command_line = command_line();
  // Without draws the file is written as the replicates finish: the per-region arrays of the
  // scenarios are not held in memory (rank 0 writes). A PSA comparison keeps totals only anyway.
  std::optional<io::StreamedComparison> out;
  if (!a.output.empty() && opt.draws == 0 && root()) {
    out.emplace(a.output, scenarios, opt.run, wo);
    opt.sink = [&out](std::size_t i) { return out->sink(i); };
  }
  const mc::Comparison c = mc::compare(scenarios, opt, executor());
  bar.finish();
  if (!root()) return exit_ok;
  if (out) out->finish(c);
  else if (!a.output.empty()) io::write_comparison(a.output, c, scenarios, wo);
  if (!a.quiet) {
    print_decision(c, a.lang == "nl" ? Lang::nl : Lang::en);
    // Extensive figures are those of the sample: say so once per share in use.
    std::vector<double> shares;
    for (const auto& s : scenarios)
      if (std::find(shares.begin(), shares.end(), s.sample_share) == shares.end()) shares.push_back(s.sample_share);
    for (double share : shares) std::fputs(sample_note(share, a.lang == "nl").c_str(), stdout);
    if (a.detail) print_detail(c);
    if (!a.output.empty()) std::printf("\nwrote %s\n", a.output.c_str());
  }
  return exit_ok;
}

const Register reg{"compare", [](CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "compare", "Run scenarios with common random numbers; report paired differences with intervals");
  sub->add_option("scenarios", a->scenarios,
                  "Scenario files (TOML); the first is the reference. One file with --organisation-models")
      ->required()
      ->expected(1, -1);
  add_run_options(sub, *a, "Replicates per scenario (>= 2); with --draws, per draw (>= 1, default 1)");
  sub->get_option("--set")->description("Override a key in every scenario: key=value (repeatable)");
  sub->get_option("--seed")->description("Master seed, shared by all scenarios (common random numbers)");
  sub->add_option("-o,--output", a->output, "HDF5 comparison file (differences, variance reduction, every ensemble)")->check(trede::cli::output_name());
  sub->add_option("--confidence", a->confidence, "Level of the intervals")->capture_default_str();
  sub->add_flag("--no-independent", a->no_independent,
                "Skip the independent-stream runs that measure the variance reduction (N-1 of the 2N-1 runs); a PSA comparison (--draws) never runs them");
  sub->add_option("--trajectories", a->trajectories,
                  "Record every change of state of the first N people of each replicate in every scenario "
                  "(the same people everywhere: /scenarios/<i>/trajectories); 0 = none")
      ->capture_default_str();
  sub->add_option("--organisation-models", a->organisation_models,
                  "Compare the one scenario under each of these organisation models (comma-separated), or 'all' for "
                  "the five built-in ones (partieel first, as the reference)")
      ->delimiter(',');
  sub->add_option("--set-for", a->set_for, "Override a key in one scenario only: N:key=value, N its position from 1 (repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->expected(1)
      ->allow_extra_args(false);
  add_draw_options(sub, *a,
                   "Probabilistic sensitivity analysis: D parameter sets drawn from the scenarios' [uncertainty] tables, "
                   "the same draws for every scenario, -n replicates each (default 1 with --draws)");
  sub->add_option("--effect", a->effect, "The effect decided on: persons_reaching_work or person_years_in_work")
      ->capture_default_str();
  sub->add_option("--wtp", a->wtp, "Willingness to pay (EUR per extra unit of effect) at which P(best) is shown")
      ->capture_default_str();
  sub->add_option("--wtp-max", a->wtp_max, "Largest willingness to pay of the acceptability curve and EVPI")
      ->capture_default_str();
  sub->add_flag("--detail", a->detail, "Also print every KPI's paired difference and the per-period tables");
  sub->add_option("--lang", a->lang,
                  "Language of the answer table: en (English, default) or nl (Dutch words, Dutch number formatting "
                  "1.234,5); --detail tables stay in English")
      ->check(CLI::IsMember({"en", "nl"}))
      ->capture_default_str();
  return Runner{sub, [a] { return run(*a); }, [a] { return a->scenarios; }};
}};

}  // namespace
}  // namespace trede::cli
