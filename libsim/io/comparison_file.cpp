// Comparison files (trede compare): the paired differences, the variance reduction, the
// decision summaries (/decision), a PSA comparison's draws, and every scenario's ensemble.
// Layout: docs/hdf5-schema.md.

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "io/hdf5_file.hpp"
#include "io/result_file.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/compare.hpp"

namespace trede::io {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

Attributes comparison_run_attributes(const mc::Comparison& c) {
  const mc::Ensemble& ref = c.ensembles.front();
  Attributes a = {{"master_seed", ref.seed},
                  {"replicates", ref.replicates},
                  {"first_replicate", ref.first_replicate},
                  {"confidence", c.confidence},
                  {"reference", c.names.front()},
                  {"uncertainty", c.decision.uncertainty.empty() ? std::string("Monte Carlo only") : c.decision.uncertainty}};
  if (c.replicates_per_draw > 0) {
    a.emplace_back("draws", static_cast<std::uint64_t>(c.draws.draws));
    a.emplace_back("replicates_per_draw", c.replicates_per_draw);
    a.emplace_back("streams", std::string(c.common_streams ? "common" : "independent"));
  }
  return a;
}

const char* ratio_kind(mc::RatioInterval::Kind k) {
  switch (k) {
    case mc::RatioInterval::Kind::bounded: return "bounded";
    case mc::RatioInterval::Kind::exclusive: return "exclusive";
    case mc::RatioInterval::Kind::unbounded: return "unbounded";
  }
  return "?";
}

void write_ratios(detail::Writer& w, const std::string& group, const std::vector<mc::IncrementalRatio>& r) {
  const hsize_t n = r.size();
  w.group(group);
  auto column = [&](const char* name, auto get) {
    std::vector<double> v;
    for (const auto& x : r) v.push_back(get(x));
    w.dataset(group + "/" + name, {n}, v);
  };
  column("ratio", [](const auto& x) { return x.ratio; });
  column("delta_effect", [](const auto& x) { return x.delta_effect; });
  column("delta_cost", [](const auto& x) { return x.delta_cost; });
  column("fieller_lower", [](const auto& x) { return x.fieller.lower; });
  column("fieller_upper", [](const auto& x) { return x.fieller.upper; });
  column("bootstrap_lower", [](const auto& x) { return x.bootstrap.lower; });
  column("bootstrap_upper", [](const auto& x) { return x.bootstrap.upper; });
  column("bootstrap_sign_change", [](const auto& x) { return x.bootstrap_sign_change; });
  std::vector<std::string> fk, bk;
  for (const auto& x : r) fk.push_back(ratio_kind(x.fieller.kind)), bk.push_back(ratio_kind(x.bootstrap.kind));
  w.strings(group + "/fieller_kind", fk);
  w.strings(group + "/bootstrap_kind", bk);
}

// /decision: what a comparison decides (mc::DecisionSummary).
void write_decision(detail::Writer& w, const mc::DecisionSummary& d) {
  const hsize_t N = d.names.size(), D = N > 0 ? N - 1 : 0;
  w.group("decision");
  {
    detail::Handle g(H5Gopen2(w.location(), "decision", H5P_DEFAULT), H5Gclose);
    detail::Writer a(g.get(), 0);
    detail::write_attributes(a, {{"uncertainty", d.uncertainty},
                                 {"units", static_cast<std::uint64_t>(d.units)},
                                 {"effect", d.options.effect},
                                 {"cost", d.options.cost},
                                 {"lambda_reference", d.options.lambda_reference},
                                 {"confidence", d.options.confidence}});
  }
  w.strings("decision/notes", d.notes);
  // The summary table the report and the export show first: one row per quantity, one column
  // per option (reference first), NaN where a quantity does not apply.
  std::vector<std::string> quantity, kind, label, uncertainty;
  std::vector<double> mean, lo, hi;
  auto row = [&](std::string q, std::string k, std::string l, const std::vector<double>& m, const std::vector<double>& a,
                 const std::vector<double>& b) {
    quantity.push_back(std::move(q));
    kind.push_back(std::move(k));
    label.push_back(std::move(l));
    uncertainty.push_back(d.uncertainty);
    mean.insert(mean.end(), m.begin(), m.end());
    lo.insert(lo.end(), a.begin(), a.end());
    hi.insert(hi.end(), b.begin(), b.end());
  };
  for (const auto& k : d.kpis)
    if (k.kpi == d.options.effect || k.kpi == d.options.cost || k.kpi == "person_years_in_work")
      row(k.kpi, k.kpi.ends_with("_eur") ? "eur" : (k.kpi == "person_years_in_work" ? "years" : "count"),
          k.kpi == "person_years_in_work" ? "person-years in work" : k.kpi, k.mean, k.q_lower, k.q_upper);
  auto ratio_row = [&](const std::string& q, const std::string& l, const std::vector<mc::IncrementalRatio>& r) {
    if (r.empty()) return;
    std::vector<double> m{nan}, a{nan}, b{nan};
    for (const auto& x : r) {
      const bool bounded = x.fieller.kind == mc::RatioInterval::Kind::bounded;
      m.push_back(x.ratio);
      a.push_back(bounded ? x.fieller.lower : nan);
      b.push_back(bounded ? x.fieller.upper : nan);
    }
    row(q, "eur", l, m, a, b);
  };
  ratio_row("incremental_cost_per_person_reaching_work_eur",
            "extra cost per extra person reaching work (Fieller interval; none when the effect may be 0)", d.cost_per_person);
  ratio_row("incremental_cost_per_person_year_in_work_eur", "extra cost per extra person-year in work", d.cost_per_person_year);
  if (!d.probability_best_reference.empty()) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "probability of the largest net benefit at %.0f EUR per extra %s",
                  d.options.lambda_reference, d.options.effect == "person_years_in_work" ? "person-year in work" : "person reaching work");
    const std::vector<double> none(N, nan);
    row("probability_best", "prob", buf, d.probability_best_reference, none, none);
  }
  const hsize_t M = quantity.size();
  w.group("decision/summary");
  w.strings("decision/summary/quantity", quantity);
  w.strings("decision/summary/kind", kind);
  w.strings("decision/summary/label", label);
  w.strings("decision/summary/uncertainty", uncertainty);
  w.dataset("decision/summary/mean", {M, N}, mean);
  w.dataset("decision/summary/lo", {M, N}, lo);
  w.dataset("decision/summary/hi", {M, N}, hi);

  // Every headline KPI: per option and paired against the reference.
  const hsize_t Kd = d.kpis.size();
  w.group("decision/kpi");
  std::vector<std::string> names;
  std::vector<std::int32_t> higher;
  std::vector<double> km, kl, ku, pb, dm, dl, du, dql, dqu, dp;
  for (const auto& k : d.kpis) {
    names.push_back(k.kpi);
    higher.push_back(k.higher_is_better ? 1 : 0);
    km.insert(km.end(), k.mean.begin(), k.mean.end());
    kl.insert(kl.end(), k.q_lower.begin(), k.q_lower.end());
    ku.insert(ku.end(), k.q_upper.begin(), k.q_upper.end());
    pb.insert(pb.end(), k.probability_best.begin(), k.probability_best.end());
    for (const auto& x : k.difference) {
      dm.push_back(x.mean), dl.push_back(x.lower), du.push_back(x.upper);
      dql.push_back(x.q_lower), dqu.push_back(x.q_upper), dp.push_back(x.probability_positive);
    }
  }
  w.strings("decision/kpi/names", names);
  w.dataset("decision/kpi/higher_is_better", {Kd}, higher);
  w.dataset("decision/kpi/mean", {Kd, N}, km);
  w.dataset("decision/kpi/q_lower", {Kd, N}, kl);
  w.dataset("decision/kpi/q_upper", {Kd, N}, ku);
  w.dataset("decision/kpi/probability_best", {Kd, N}, pb);
  w.group("decision/kpi/difference");
  w.dataset("decision/kpi/difference/mean", {Kd, D}, dm);
  w.dataset("decision/kpi/difference/lower", {Kd, D}, dl);
  w.dataset("decision/kpi/difference/upper", {Kd, D}, du);
  w.dataset("decision/kpi/difference/q_lower", {Kd, D}, dql);
  w.dataset("decision/kpi/difference/q_upper", {Kd, D}, dqu);
  w.dataset("decision/kpi/difference/probability_positive", {Kd, D}, dp);

  if (!d.cost_per_person.empty()) {
    write_ratios(w, "decision/cost_per_person", d.cost_per_person);
    write_ratios(w, "decision/cost_per_person_year", d.cost_per_person_year);
    const auto& a = d.acceptability;
    const hsize_t L = a.lambda.size();
    w.group("decision/acceptability");
    w.dataset("decision/acceptability/lambda", {L}, a.lambda);
    w.dataset("decision/acceptability/probability", {N, L}, a.probability);
    w.dataset("decision/acceptability/expected_net_benefit", {N, L}, a.expected_net_benefit);
    std::vector<std::int32_t> frontier(a.frontier_option.begin(), a.frontier_option.end());
    w.dataset("decision/acceptability/frontier_option", {L}, frontier);
    w.dataset("decision/acceptability/frontier_probability", {L}, a.frontier_probability);
    w.dataset("decision/acceptability/evpi", {L}, a.evpi);
    w.dataset("decision/acceptability/evpi_se", {L}, a.evpi_se);
    w.dataset("decision/probability_best_at_reference", {N}, d.probability_best_reference);
  }
  if (!d.evppi.empty()) {
    const hsize_t G = d.evppi.size(), L = d.evppi.front().lambda.size();
    std::vector<double> v, se;
    for (const auto& e : d.evppi) v.insert(v.end(), e.value.begin(), e.value.end()), se.insert(se.end(), e.se.begin(), e.se.end());
    w.group("decision/evppi");
    w.strings("decision/evppi/groups", d.evppi_groups);
    w.dataset("decision/evppi/value", {G, L}, v);
    w.dataset("decision/evppi/se", {G, L}, se);
  }
  if (!d.sensitivity_effect.empty()) {
    const hsize_t G = d.sensitivity_effect.front().first_order.size();
    std::vector<double> fe, fc;
    for (std::size_t i = 0; i < d.sensitivity_effect.size(); ++i) {
      fe.insert(fe.end(), d.sensitivity_effect[i].first_order.begin(), d.sensitivity_effect[i].first_order.end());
      fc.insert(fc.end(), d.sensitivity_cost[i].first_order.begin(), d.sensitivity_cost[i].first_order.end());
    }
    w.group("decision/sensitivity");
    w.strings("decision/sensitivity/groups", d.sensitivity_groups);
    w.dataset("decision/sensitivity/effect", {D, G}, fe);
    w.dataset("decision/sensitivity/cost", {D, G}, fc);
  }
}

void fill_comparison(hid_t file, const mc::Comparison& c, const std::vector<model::Scenario>& scenarios,
                     const WriteOptions& o) {
  detail::Writer w(file, o.compression_level);
  const mc::Ensemble& ref = c.ensembles.front();
  const engine::Layout& L = ref.layout;
  const hsize_t N = c.names.size(), D = N - 1, T = L.T(), P = L.P(), K = L.K(), Kp = L.Kp();
  detail::write_attributes(w, detail::provenance("comparison", o.command_line));
  detail::write_attributes(w, comparison_run_attributes(c));
  w.strings("scenario_names", c.names);
  detail::write_grid_and_names(w, L);
  auto stack = [](const std::vector<mc::Difference>& ds, std::vector<double> mc::Difference::*field) {
    std::vector<double> out;
    for (const auto& d : ds) out.insert(out.end(), (d.*field).begin(), (d.*field).end());
    return out;
  };
  auto difference = [&](const std::string& group, const std::vector<mc::Difference>& ds, std::vector<hsize_t> shape) {
    shape.insert(shape.begin(), D);
    w.group(group);
    w.dataset(group + "/mean", shape, stack(ds, &mc::Difference::mean));
    w.dataset(group + "/sd", shape, stack(ds, &mc::Difference::sd));
    w.dataset(group + "/lo", shape, stack(ds, &mc::Difference::lo));
    w.dataset(group + "/hi", shape, stack(ds, &mc::Difference::hi));
  };
  w.group("difference");
  difference("difference/kpi", c.kpi, {K});
  difference("difference/kpi_period", c.kpi_period, {P, Kp});
  difference("difference/trede_occupancy", c.trede, {T, mc::ladder_rungs});
  if (!c.variance_reduction_kpi.empty()) {
    difference("difference/kpi_independent", c.kpi_independent, {K});
    w.group("variance_reduction");
    std::vector<double> vk, vp;
    for (auto& v : c.variance_reduction_kpi) vk.insert(vk.end(), v.begin(), v.end());
    for (auto& v : c.variance_reduction_kpi_period) vp.insert(vp.end(), v.begin(), v.end());
    w.dataset("variance_reduction/kpi", {D, K}, vk);
    w.dataset("variance_reduction/kpi_period", {D, P, Kp}, vp);
  }
  if (!c.decision.names.empty()) write_decision(w, c.decision);
  if (c.replicates_per_draw > 0) detail::write_draws(w, c.draws);
  w.group("scenarios");
  for (std::size_t i = 0; i < N; ++i) {
    detail::Handle g = w.group("scenarios/" + std::to_string(i));
    detail::Writer sw(g.get(), o.compression_level);
    // In a PSA comparison each scenario's rows are its pooled draws: /replicates/replicate names
    // the streams each row used, /replicates/draw its draw.
    std::vector<std::uint64_t> streams, draw;
    if (c.replicates_per_draw > 0)
      for (std::size_t d = 0; d < c.draws.draws; ++d)
        for (std::uint64_t r = 0; r < c.replicates_per_draw; ++r) {
          streams.push_back(c.ensembles[i].first_replicate + (c.common_streams ? 0 : d * c.replicates_per_draw) + r);
          draw.push_back(d);
        }
    detail::write_ensemble(sw, c.ensembles[i], scenarios[i], detail::provenance("result", o.command_line), streams);
    if (!draw.empty()) sw.dataset("replicates/draw", {draw.size()}, draw);
  }
}

}  // namespace

struct StreamedComparison::Impl {
  // One scenario's sink: its streams below /scenarios/<i>.
  struct Sink final : mc::ReplicateSink {
    detail::RegionStreams streams;
    std::string path;
    Sink(hid_t loc, const engine::Layout& L, const mc::RunOptions& run, int level, std::uint64_t slab,
         std::string file)
        : streams(loc, L, run, level, slab), path(std::move(file)) {}
    void put(const mc::Ensemble& part) override {
      detail::ErrorSilencer quiet;
      try {
        streams.put(part);
      } catch (const detail::Hdf5Failure& f) {
        throw IoError(path, "HDF5 could not write the file (" + f.what_failed + ")");
      }
    }
  };
  detail::DiskFile file;
  std::vector<model::Scenario> scenarios;
  std::vector<engine::Layout> layouts;
  mc::RunOptions run;
  WriteOptions options;
  std::vector<std::unique_ptr<Sink>> sinks;
  bool finished = false;
};

StreamedComparison::StreamedComparison(const std::string& path, const std::vector<model::Scenario>& scenarios,
                                       const std::vector<engine::Layout>& layouts, const mc::RunOptions& run,
                                       const WriteOptions& options, std::uint64_t slab_bytes) {
  run.check();
  if (options.compression_level < 0 || options.compression_level > 9)
    throw ModelError("", 0, "compression_level", "must be 0..9");
  if (layouts.size() != scenarios.size()) throw Error("StreamedComparison: one layout per scenario");
  impl_.reset(new Impl{detail::DiskFile(path), scenarios, layouts, run, options, {}, false});
  detail::ErrorSilencer quiet;
  try {
    std::uint64_t bound = 32u << 20;
    for (const auto& L : layouts) bound += detail::RegionStreams::upper_bound(L, run.replicates, true);
    impl_->file.reserve(bound);
    detail::Writer w(impl_->file.get(), options.compression_level);
    w.group("scenarios");
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      detail::Handle g = w.group("scenarios/" + std::to_string(i));
      impl_->sinks.push_back(std::make_unique<Impl::Sink>(g.get(), layouts[i], run, options.compression_level,
                                                          slab_bytes, path));
    }
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(path, "HDF5 could not write the file (" + f.what_failed + ")");
  }
}

namespace {
std::vector<engine::Layout> layouts_of(const std::vector<model::Scenario>& scenarios) {
  std::vector<engine::Layout> layouts;
  for (const auto& s : scenarios) layouts.push_back(engine::Simulator(s).layout());
  return layouts;
}
}  // namespace

StreamedComparison::StreamedComparison(const std::string& path, const std::vector<model::Scenario>& scenarios,
                                       const mc::RunOptions& run, const WriteOptions& options, std::uint64_t slab_bytes)
    : StreamedComparison(path, scenarios, layouts_of(scenarios), run, options, slab_bytes) {}

StreamedComparison::~StreamedComparison() = default;

mc::ReplicateSink* StreamedComparison::sink(std::size_t i) { return impl_->sinks.at(i).get(); }

void StreamedComparison::finish(const mc::Comparison& c) {
  Impl& m = *impl_;
  if (m.finished) throw Error("StreamedComparison::finish: the file is finished");
  if (c.ensembles.size() != m.sinks.size() || c.replicates_per_draw > 0)
    throw Error("StreamedComparison::finish: not the comparison this file was made for");
  for (std::size_t i = 0; i < m.sinks.size(); ++i) m.sinks[i]->streams.check_complete(c.ensembles[i]);
  detail::ErrorSilencer quiet;
  try {
    std::uint64_t bound = 32u << 20;
    for (std::size_t i = 0; i < m.sinks.size(); ++i) {
      bound += detail::RegionStreams::upper_bound(m.layouts[i], m.run.replicates, m.sinks[i]->streams.streaming()) +
               c.ensembles[i].trace.size() * 40 + m.scenarios[i].text.size();
      for (const auto& t : m.scenarios[i].base_texts) bound += t.size();
    }
    m.file.reserve(bound);
    fill_comparison(m.file.get(), c, m.scenarios, m.options);
    detail::Writer w(m.file.get(), m.options.compression_level);
    for (std::size_t i = 0; i < m.sinks.size(); ++i) {
      detail::Handle g = w.group("scenarios/" + std::to_string(i));
      detail::Writer sw(g.get(), m.options.compression_level);
      m.sinks[i]->streams.finish(sw);
    }
  } catch (const detail::Hdf5Failure& f) {
    throw IoError(m.file.path(), "HDF5 could not write the file (" + f.what_failed + ")");
  }
  m.sinks.clear();
  m.file.commit();
  m.finished = true;
}

Attributes comparison_attributes(const mc::Comparison& c) {
  Attributes a;
  for (auto& x : detail::provenance("comparison", ""))
    if (x.first != "created") a.push_back(std::move(x));
  for (auto& x : comparison_run_attributes(c)) a.push_back(std::move(x));
  return a;
}

void write_comparison(const std::string& path, const mc::Comparison& c, const std::vector<model::Scenario>& scenarios,
                      const WriteOptions& o) {
  detail::write_file(path, o.compression_level, [&](hid_t file) { fill_comparison(file, c, scenarios, o); });
}

std::vector<char> comparison_image(const mc::Comparison& c, const std::vector<model::Scenario>& scenarios,
                                   const WriteOptions& o) {
  return detail::build_image("(comparison in memory)", o.compression_level,
                             [&](hid_t file) { fill_comparison(file, c, scenarios, o); });
}

}  // namespace trede::io
