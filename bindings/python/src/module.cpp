// trede._core: the thin pybind11 layer under the `trede` Python package.
//
// Everything Python users see is re-exported (with docstrings and types) by the pure-Python
// package in bindings/python/trede; this module only moves values across the boundary:
// - scenarios are loaded by libtrede and held as shared, immutable C++ values;
// - simulations run with the GIL released, in a helper thread, while the calling thread waits,
//   reports progress and watches for KeyboardInterrupt (see `run_released`);
// - results are exposed as read-only NumPy views of the C++ arrays (no copy), under the same
//   names and shapes as the datasets of a result file (docs/hdf5-schema.md), so that one Python
//   reader serves both in-memory results and files;
// - trede::ModelError and trede::IoError become trede.ModelError (a ValueError) and
//   trede.IoError (an OSError), defined in trede/_errors.py.

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <map>
#include <tuple>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <optional>
#include <variant>
#include <vector>

#include "trede/io/output_guard.hpp"
#include "trede/trede.hpp"
#ifdef TREDE_PYTHON_WITH_CALIB
#include "trede/calib/calibrate.hpp"
#include "trede/calib/data.hpp"
#include "trede/calib/fit.hpp"
#include "trede/calib/markov.hpp"
#include "trede/calib/report.hpp"
#include "trede/io/calibration.hpp"
#include "trede/calib/simulate.hpp"
#include "trede/calib/targets.hpp"
#endif

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

using trede::model::Scenario;

// ---- errors -------------------------------------------------------------------------------

// Raised inside a simulation when the user interrupted it (Ctrl-C, "interrupt kernel").
struct Interrupted {};

// Sets the Python exception `trede._errors.<cls>(args...)`.
template <class... Args>
void raise_python(const char* cls, Args&&... args) {
  py::object type = py::module_::import("trede._errors").attr(cls);
  py::object instance = type(std::forward<Args>(args)...);
  PyErr_SetObject(type.ptr(), instance.ptr());
}

// A scenario loaded with Python's overrides: a problem an override causes is named as the Python
// user gave it ("override 'horizn=2'"), not as `trede run --set`, which they did not type.
template <class Load>
std::shared_ptr<Scenario> with_python_overrides(const std::vector<std::string>& overrides, Load&& load) {
  try {
    return std::make_shared<Scenario>(load());
  } catch (const trede::ModelError& e) {
    std::vector<trede::Diagnostic> found = e.diagnostics();
    trede::model::relabel_overrides(found, overrides, [](const std::string& o) { return "override '" + o + "'"; });
    throw trede::ModelError(std::move(found));
  }
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const trede::ModelError& e) {
    py::list diagnostics;
    for (const auto& d : e.diagnostics())
      diagnostics.append(py::make_tuple(d.file, d.line, d.key, d.message));
    raise_python("ModelError", e.what(), diagnostics);
  } catch (const trede::IoError& e) {
    raise_python("IoError", e.what(), e.path());
  } catch (const trede::Error& e) {
    raise_python("Error", e.what());
  }
}

// ---- running without the GIL ----------------------------------------------------------------

// Runs `work(progress)` in a helper thread with the GIL released. The calling thread waits, and
// every 100 ms it takes the GIL to (1) run Python's signal handlers, so that Ctrl-C or a
// notebook's "interrupt kernel" stops the simulation at the next finished replicate, and (2) call
// the user's `progress(done, total)` from the calling thread (never from a TBB worker). An
// exception from `work`, the signal handler or `progress` is rethrown in the calling thread (and
// translated to Python there) once the workers have stopped.
template <class Result, class Work>
Result run_released(const py::object& progress, Work work) {
  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    bool finished = false;
    std::atomic<std::uint64_t> done{0}, total{0};
    std::atomic<bool> cancel{false};
    std::exception_ptr error;
    std::unique_ptr<Result> result;
  };
  auto shared = std::make_shared<Shared>();
  auto on_progress = [shared](std::uint64_t done, std::uint64_t total) {
    shared->done.store(done);
    shared->total.store(total);
    if (shared->cancel.load()) throw Interrupted{};
  };
  std::thread worker([shared, on_progress, work = std::move(work)]() mutable {
    try {
      shared->result = std::make_unique<Result>(work(on_progress));
    } catch (...) {
      shared->error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(shared->m);
    shared->finished = true;
    shared->cv.notify_all();
  });

  std::uint64_t reported = ~std::uint64_t{0};
  std::exception_ptr python_error;  // from the signal handler or `progress`: stops the workers
  auto stop = [&](std::exception_ptr e) {
    python_error = std::move(e);
    shared->cancel.store(true);
  };
  auto report = [&] {
    const std::uint64_t d = shared->done.load(), t = shared->total.load();
    if (progress.is_none() || t == 0 || d == reported) return;
    reported = d;
    try {
      progress(d, t);
    } catch (...) {
      stop(std::current_exception());
    }
  };
  {
    py::gil_scoped_release release;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(shared->m);
        if (shared->cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return shared->finished; })) break;
      }
      if (python_error) continue;  // stopping: wait for the workers
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) stop(std::make_exception_ptr(py::error_already_set()));  // e.g. KeyboardInterrupt
      else report();
    }
    worker.join();
  }
  if (!python_error && !shared->error) report();  // the final count
  if (python_error) std::rethrow_exception(python_error);
  if (shared->error) std::rethrow_exception(shared->error);
  return std::move(*shared->result);
}

// ---- arrays ---------------------------------------------------------------------------------

// A read-only NumPy view of `v` (shape `shape`), kept alive by `owner`.
template <class T>
py::array view(const std::vector<T>& v, std::vector<py::ssize_t> shape, const py::object& owner) {
  py::ssize_t n = 1;
  for (auto d : shape) n *= d;
  if (static_cast<py::ssize_t>(v.size()) != n) throw std::logic_error("array size does not match its layout");
  py::array a(py::dtype::of<T>(), std::move(shape), {}, v.data(), owner);
  a.attr("setflags")("write"_a = false);
  return a;
}

py::object strings(const std::vector<std::string>& v) {
  py::list l;
  for (const auto& s : v) l.append(s);
  return py::module_::import("numpy").attr("array")(l, "dtype"_a = "object");
}

// /summary/<name>/{mean,sd,q05,q50,q95}
void put_summary(py::dict& d, const std::string& prefix, const trede::mc::Summary& s, const std::vector<py::ssize_t>& shape,
                 const py::object& owner) {
  d[py::str(prefix + "/mean")] = view(s.mean, shape, owner);
  d[py::str(prefix + "/sd")] = view(s.sd, shape, owner);
  d[py::str(prefix + "/q05")] = view(s.q05, shape, owner);
  d[py::str(prefix + "/q50")] = view(s.q50, shape, owner);
  d[py::str(prefix + "/q95")] = view(s.q95, shape, owner);
}

// The KPI table as a structured array (name, mean, sd, q05, q50, q95), like /summary/kpi.
py::object kpi_table(const std::vector<std::string>& names, const trede::mc::Summary& s) {
  py::module_ np = py::module_::import("numpy");
  py::list fields;
  fields.append(py::make_tuple("name", "O"));
  for (const char* f : {"mean", "sd", "q05", "q50", "q95"}) fields.append(py::make_tuple(f, "<f8"));
  py::object table = np.attr("empty")(names.size(), "dtype"_a = fields);
  table[py::str("name")] = strings(names);
  table[py::str("mean")] = py::cast(s.mean);
  table[py::str("sd")] = py::cast(s.sd);
  table[py::str("q05")] = py::cast(s.q05);
  table[py::str("q50")] = py::cast(s.q50);
  table[py::str("q95")] = py::cast(s.q95);
  return table;
}

// The root attributes a result file would carry (all but `created` and `command_line`).
py::dict ensemble_attrs(const trede::mc::Ensemble& e, const Scenario& s) {
  py::dict a;
  for (const auto& [name, value] : trede::io::result_attributes(e, s))
    std::visit([&, &name = name](const auto& v) { a[py::str(name)] = v; }, value);
  return a;
}

// Every dataset of a result file, by its path (without the leading '/'), as views into `e`.
py::dict ensemble_arrays(const trede::mc::Ensemble& e, const Scenario& s, const py::object& owner) {
  const auto& L = e.layout;
  const auto R = static_cast<py::ssize_t>(e.replicates), T = static_cast<py::ssize_t>(L.T()),
             P = static_cast<py::ssize_t>(L.P()), S = static_cast<py::ssize_t>(L.S());
  const py::ssize_t rungs = static_cast<py::ssize_t>(trede::mc::ladder_rungs);
  py::dict d;
  d["scenario"] = s.text;
  if (!s.base_texts.empty()) {
    d["scenario_bases"] = strings(s.base_texts);
    d["scenario_base_paths"] = strings(s.base_paths);
  }
  d["time"] = view(L.report_times, {T}, owner);
  d["period_start"] = view(L.period_start, {P}, owner);
  d["period_end"] = view(L.period_end, {P}, owner);
  d["states"] = strings(L.states);
  std::vector<std::int32_t> trede_of_state(L.trede.begin(), L.trede.end());
  d["trede"] = py::array_t<std::int32_t>(static_cast<py::ssize_t>(trede_of_state.size()), trede_of_state.data());
  d["state_cost_eur_per_year"] = view(L.cost_eur_per_year, {S}, owner);
  const std::int32_t ladder[] = {1, 2, 3, 4, 5, 6};
  d["ladder"] = py::array_t<std::int32_t>(rungs, ladder);
  d["capacity_states"] = strings(L.capacity_states);
  std::vector<std::string> ids, from, to, kind;
  for (const auto& ed : L.edges) {
    ids.push_back(ed.id);
    from.push_back(ed.from);
    to.push_back(ed.to);
    kind.push_back(trede::engine::to_string(ed.kind));
  }
  d["edges/id"] = strings(ids);
  d["edges/from"] = strings(from);
  d["edges/to"] = strings(to);
  d["edges/kind"] = strings(kind);
  d["kpi_names"] = strings(L.kpi_names);
  d["kpi_period_names"] = strings(L.kpi_period_names);
  d["regions"] = strings(L.regions);
  d["region_models"] = strings(L.region_models);
  d["organisations"] = strings(L.organisations);
  if (L.B() > 0) d["groups"] = strings(L.groups);

  // Every array of the result catalogue: its summary and its per-replicate values.
  trede::mc::for_each_array(e, [&](const trede::mc::ResultArray& a, const auto& v) {
    std::vector<py::ssize_t> shape;
    for (std::size_t n : a.shape(L)) shape.push_back(static_cast<py::ssize_t>(n));
    if (a.summarised == trede::mc::Summarised::table)
      d[py::str(std::string("summary/") + a.name)] = kpi_table(L.kpi_names, e.summaries[a.index()]);
    else if (a.summarised == trede::mc::Summarised::cells)
      put_summary(d, std::string("summary/") + a.name, e.summaries[a.index()], shape, owner);
    shape.insert(shape.begin(), R);
    d[py::str(std::string("replicates/") + a.name)] = view(v, shape, owner);
  });
  std::vector<std::uint64_t> index(e.replicates);
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = e.first_replicate + i;
  d["replicates/replicate"] = py::array_t<std::uint64_t>(R, index.data());
  if (!e.trace_offsets.empty()) {  // traced people, as in the file's /trajectories
    const trede::mc::TraceColumns c = trede::mc::trace_columns(e);
    const auto M = static_cast<py::ssize_t>(e.trace.size());
    d["trajectories/replicate"] = py::array_t<std::uint64_t>(M, c.replicate.data());
    d["trajectories/person"] = py::array_t<std::uint64_t>(M, c.person.data());
    d["trajectories/time"] = py::array_t<double>(M, c.time.data());
    d["trajectories/from"] = py::array_t<std::int32_t>(M, c.from.data());
    d["trajectories/to"] = py::array_t<std::int32_t>(M, c.to.data());
    d["trajectories/offsets"] = view(e.trace_offsets, {static_cast<py::ssize_t>(e.trace_offsets.size())}, owner);
    d["trajectories/people_per_replicate"] = py::array_t<std::uint64_t>(1, &e.trace_people);
  }
  return d;
}

// ---- held values ----------------------------------------------------------------------------

using ScenarioPtr = std::shared_ptr<const Scenario>;

// One finished run: the ensemble and the scenario it came from.
struct Run {
  trede::mc::Ensemble ensemble;
  ScenarioPtr scenario;
};

std::vector<Scenario> values(const std::vector<ScenarioPtr>& ptrs) {
  std::vector<Scenario> out;
  out.reserve(ptrs.size());
  for (const auto& p : ptrs) out.push_back(*p);
  return out;
}

// The bytes of a PSA or sweep file built by `build` (without the GIL), also saved to `output`
// with its resume parts removed when parts were kept; returned with the parts' notes.
template <class Build>
py::tuple image_and_notes(Build build, const std::string& output, std::optional<trede::io::SweepParts>& parts) {
  std::vector<char> image;
  {
    py::gil_scoped_release release;
    image = build();
    if (parts) {
      trede::io::save_image(output, image);
      parts->remove();
    }
  }
  py::list notes;
  if (parts)
    for (const auto& n : parts->notes()) notes.append(n);
  return py::make_tuple(py::bytes(image.data(), image.size()), notes);
}

// The options of a plain run (trede.run without draws).
trede::mc::RunOptions run_options(std::uint64_t replicates, std::uint64_t seed, int threads, std::uint64_t first_replicate,
                                  std::uint64_t trajectories) {
  trede::mc::RunOptions o;
  o.replicates = replicates;
  o.seed = seed;
  o.threads = threads;
  o.first_replicate = first_replicate;
  o.trace_people = trajectories;
  return o;
}

// Refuses an `output` (and its resume directory `<output>.parts`, when `parts`) that is one of
// the files the scenario was read from (trede::io::check_outputs): a ModelError keyed "output".
void guard_output(const Scenario& s, const std::string& output, bool parts = true) {
  std::vector<trede::io::NamedFile> outputs{{"output", output}};
  if (parts) outputs.push_back({"output (its finished draws)", output + ".parts", true});
  trede::io::check_outputs(trede::io::scenario_inputs(s), outputs);
}

trede::io::WriteOptions write_options(int compression_level, const std::string& command_line) {
  trede::io::WriteOptions o;
  o.compression_level = compression_level;
  o.command_line = command_line;
  return o;
}

py::dict state_dict(const Scenario& s, const trede::model::State& st) {
  py::dict d;
  d["name"] = st.name;
  d["trede"] = st.trede;
  d["functionality"] = st.functionality;
  d["cost_eur_per_year"] = st.cost_eur_per_year;
  d["absorbing"] = st.absorbing;
  d["generated"] = st.generated;
  d["line"] = st.line;
  if (st.capacity) {
    const auto places = s.total_places(static_cast<trede::model::StateIndex>(&st - s.states.data()));
    d["places"] = places.before;
    py::dict by_year;
    for (std::size_t i = 0; i < places.times.size(); ++i) by_year[py::float_(places.times[i])] = places.values[i];
    d["places_by_year"] = by_year;
    d["waiting"] = st.capacity->waiting == trede::model::WaitingMode::stay ? "stay" : "separate";
    d["renege_rate"] = st.capacity->renege_rate;
  } else {
    d["places"] = py::none();
    d["places_by_year"] = py::dict();
    d["waiting"] = py::none();
    d["renege_rate"] = py::none();
  }
  d["waiting_for"] = st.waiting_for ? py::object(py::str(s.states[*st.waiting_for].name)) : py::none();
  return d;
}

const char* hazard_name(trede::model::HazardKind k) {
  using K = trede::model::HazardKind;
  switch (k) {
    case K::exponential: return "exponential";
    case K::weibull: return "weibull";
    case K::gamma: return "gamma";
    case K::lognormal: return "lognormal";
    case K::fixed: return "fixed";
    case K::table: return "table";
  }
  return "?";
}

py::dict transition_dict(const Scenario& s, const trede::model::Transition& t) {
  const auto& h = t.hazard;
  py::dict d;
  d["id"] = t.id;
  d["from"] = s.states[t.from].name;
  d["to"] = s.states[t.to].name;
  d["hazard"] = hazard_name(h.kind);
  d["rate"] = h.kind == trede::model::HazardKind::exponential ? py::object(py::float_(h.rate)) : py::none();
  d["mean_years"] = trede::model::hazard_mean(h);
  d["renege"] = t.renege;
  d["line"] = t.line;
  return d;
}

#ifdef TREDE_PYTHON_WITH_CALIB
// ---- calibration (trede::calib) ---------------------------------------------------------------

namespace calib = trede::calib;

// A fit and what it was fitted to, for the calibrated scenario and the report.
struct Fit {
  calib::Calibration calibration;
  ScenarioPtr scenario;
};

py::dict fit_dict(const calib::FitResult& r) {
  py::dict d;
  d["method"] = r.method;
  d["status"] = std::string(calib::to_string(r.status));
  d["message"] = r.message;
  py::list est;
  for (const auto& e : r.estimates)
    est.append(py::dict("name"_a = e.name, "kind"_a = e.kind, "key"_a = e.key, "estimate"_a = e.estimate,
                        "se"_a = e.se, "lower"_a = e.lower, "upper"_a = e.upper, "start"_a = e.start,
                        "fixed"_a = e.fixed));
  d["estimates"] = est;
  d["parameter_names"] = r.parameter_names;
  d["theta"] = r.theta;
  d["covariance"] = r.covariance;
  d["log_likelihood"] = r.log_likelihood;
  d["objective"] = r.objective;
  d["parameters"] = r.parameters;
  d["aic"] = r.aic;
  d["iterations"] = r.iterations;
  d["evaluations"] = r.evaluations;
  d["seconds"] = r.seconds;
  d["subjects"] = r.subjects;
  d["observations"] = r.observations;
  d["transitions"] = r.transitions;
  d["states"] = r.states;
  d["q"] = r.q;
  d["q_lower"] = r.q_lower;
  d["q_upper"] = r.q_upper;
  py::list starts;
  for (const auto& st : r.starts)
    starts.append(py::dict("label"_a = st.label, "log_likelihood"_a = st.log_likelihood, "iterations"_a = st.iterations,
                           "status"_a = std::string(calib::to_string(st.status))));
  d["starts"] = starts;
  py::list targets;
  for (const auto& t : r.targets)
    targets.append(py::dict("id"_a = t.id, "time"_a = t.time, "observed"_a = t.observed, "sd"_a = t.sd,
                            "simulated"_a = t.simulated, "simulated_se"_a = t.simulated_se, "z"_a = t.z));
  d["targets"] = targets;
  d["notes"] = r.notes;
  return d;
}

void bind_calib(py::module_& m) {
  py::class_<calib::PanelData, std::shared_ptr<calib::PanelData>>(m, "PanelData")
      .def_property_readonly("source", [](const calib::PanelData& d) { return d.source; })
      .def_property_readonly("sha256", [](const calib::PanelData& d) { return d.sha256; })
      .def_property_readonly("subjects", [](const calib::PanelData& d) { return d.subjects.size(); })
      .def_property_readonly("observations", &calib::PanelData::observations)
      .def_property_readonly("covariate_names", [](const calib::PanelData& d) { return d.covariate_names; })
      .def("to_csv", [](const calib::PanelData& d) { return calib::to_csv(d); });

  m.def(
      "parse_csv",
      [](const std::string& text, const std::string& source_name, const std::shared_ptr<Scenario>& s,
         const std::vector<std::string>& covariates) {
        calib::CsvOptions o;
        o.covariates = covariates;
        return std::make_shared<calib::PanelData>(calib::parse_csv(text, source_name, *s, o));
      },
      "text"_a, "source_name"_a, "scenario"_a, "covariates"_a);
  m.def(
      "read_csv",
      [](const std::string& path, const std::shared_ptr<Scenario>& s, const std::vector<std::string>& covariates) {
        calib::CsvOptions o;
        o.covariates = covariates;
        return std::make_shared<calib::PanelData>(calib::read_csv(path, *s, o));
      },
      "path"_a, "scenario"_a, "covariates"_a);

  m.def(
      "simulate_data",
      [](const std::shared_ptr<Scenario>& s, std::size_t people, double follow_up_years, double mean_visit_gap_years,
         double visit_jitter, bool exact, std::uint64_t seed,
         const std::vector<std::tuple<std::string, double, double>>& covariates, bool engine, std::size_t schedules) {
        calib::SimulateOptions o;
        o.people = people;
        o.follow_up_years = follow_up_years;
        o.mean_visit_gap_years = mean_visit_gap_years;
        o.visit_jitter = visit_jitter;
        o.exact = exact;
        o.seed = seed;
        for (const auto& [name, mean, sd] : covariates) o.covariates.push_back({name, mean, sd});
        o.schedules = schedules;
        py::gil_scoped_release release;
        return std::make_shared<calib::PanelData>(engine ? calib::simulate_engine_data(*s, o)
                                                         : calib::simulate_markov_data(*s, o));
      },
      "scenario"_a, "people"_a, "follow_up_years"_a, "mean_visit_gap_years"_a, "visit_jitter"_a, "exact"_a, "seed"_a,
      "covariates"_a, "engine"_a, "schedules"_a);

  py::class_<Fit, std::shared_ptr<Fit>>(m, "Fit")
      .def("result", [](const Fit& f) { return fit_dict(f.calibration.fit); })
      .def("stages",
           [](const Fit& f) {
             py::list l;
             for (const auto& st : f.calibration.stages) l.append(fit_dict(st));
             return l;
           })
      .def("summary",
           [](const Fit& f) {
             const auto& st = f.calibration.stages;
             if (st.size() < 2) return calib::summary(f.calibration.fit);
             return "stage 1 of 2: rates from data\n" + calib::summary(st[0]) +
                    "\nstage 2 of 2: scenario keys from targets\n" + calib::summary(st[1]);
           })
      .def("calibrated_text", [](const Fit& f) { return f.calibration.calibrated_text; })
      .def(
          "save_report",
          [](const Fit& f, const std::string& path) {
            py::gil_scoped_release release;
            trede::io::write_calibration(path, f.calibration.fit, *f.scenario, f.calibration.calibrated_text,
                                         f.calibration.provenance);
          },
          "path"_a);

  // One calibration, as `trede calibrate` runs it (calib::calibrate): a data stage (`data` not
  // None: event histories or panel data; `fixed` rates by transition id, `shared` groups of ids
  // with one rate, `covariates` (name, edges, shared) effects), a targets stage (`targets_text`
  // not empty: a target file's text, `parameters` as "key=lo:hi[:start]"), or both in two stages.
  m.def(
      "calibrate",
      [](const std::shared_ptr<Scenario>& s, const std::shared_ptr<calib::PanelData>& data, bool exact,
         const std::map<std::string, double>& fixed, const std::vector<std::vector<std::string>>& shared,
         const std::vector<std::tuple<std::string, std::vector<std::string>, bool>>& covariates, int starts,
         int max_iterations, double tolerance, std::optional<std::uint64_t> seed, bool exact_absorbing,
         const std::string& targets_text, const std::string& targets_source, const std::vector<std::string>& parameters,
         std::optional<std::uint64_t> replicates,
         int threads, int max_evaluations, double xtol_rel, const std::string& algorithm, bool standard_errors) {
        calib::Plan plan;
        plan.provenance.command_line = "trede.calibrate (Python)";
        if (data) {
          calib::DataStage d{*data, exact, {}, {}};
          d.spec.fixed = fixed;
          d.spec.shared = shared;
          for (const auto& [name, edges, sh] : covariates) d.spec.covariates.push_back({name, edges, sh});
          d.options.starts = starts;
          d.options.max_iterations = max_iterations;
          d.options.tolerance = tolerance;
          if (seed) d.options.seed = *seed;
          d.options.exact_absorbing = exact_absorbing;
          plan.data = std::move(d);
        }
        if (!targets_text.empty()) {
          calib::TargetStage t;
          t.targets = calib::parse_targets(targets_text, targets_source, *s);
          for (const auto& p : parameters) t.parameters.push_back(calib::parse_parameter_bound(p));
          auto& o = t.options;
          o.replicates = replicates ? *replicates : t.targets.replicates.value_or(o.replicates);
          o.seed = seed ? *seed : t.targets.seed.value_or(o.seed);
          o.threads = threads;
          o.max_evaluations = max_evaluations;
          o.xtol_rel = xtol_rel;
          o.algorithm = algorithm;
          o.standard_errors = standard_errors;
          plan.targets = std::move(t);
        }
        auto fit = std::make_shared<Fit>();
        fit->scenario = s;
        {
          py::gil_scoped_release release;
          trede::mc::ThreadExecutor threads_here;
          fit->calibration = calib::calibrate(*s, plan, threads_here);
        }
        return fit;
      },
      "scenario"_a, "data"_a, "exact"_a, "fixed"_a, "shared"_a, "covariates"_a, "starts"_a, "max_iterations"_a,
      "tolerance"_a, "seed"_a, "exact_absorbing"_a, "targets_text"_a, "targets_source"_a, "parameters"_a,
      "replicates"_a, "threads"_a, "max_evaluations"_a, "xtol_rel"_a, "algorithm"_a, "standard_errors"_a);
}
#endif  // TREDE_PYTHON_WITH_CALIB

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "trede's C++ core (private; use the `trede` package).";
  m.attr("version") = trede::version;
  m.attr("git_commit") = trede::git_commit();
  py::register_exception_translator(translate);

  // Interrupted is internal: it turns into the KeyboardInterrupt already set in Python.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Interrupted&) {
      if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
    }
  });

  py::class_<Scenario, std::shared_ptr<Scenario>>(m, "Scenario")
      .def_property_readonly("name", [](const Scenario& s) { return s.name; })
      .def_property_readonly("description", [](const Scenario& s) { return s.description; })
      .def_property_readonly("source_path", [](const Scenario& s) { return s.source_path; })
      .def_property_readonly("text", [](const Scenario& s) { return s.text; })
      .def_property_readonly("overrides", [](const Scenario& s) { return s.overrides; })
      .def_property_readonly("base_paths", [](const Scenario& s) { return s.base_paths; })
      .def_property_readonly("start_year", [](const Scenario& s) { return s.start_year; })
      .def_property_readonly("horizon_years", [](const Scenario& s) { return s.horizon_years; })
      .def_property_readonly("report_times", [](const Scenario& s) { return s.report_times; })
      .def_property_readonly("initial_population", &Scenario::initial_population)
      .def_property_readonly("attributes",
                             [](const Scenario& s) {
                               std::vector<std::string> names;
                               for (const auto& a : s.attributes) names.push_back(a.name);
                               return names;
                             })
      .def_property_readonly("states",
                             [](const Scenario& s) {
                               py::list l;
                               for (const auto& st : s.states) l.append(state_dict(s, st));
                               return l;
                             })
      .def_property_readonly("transitions",
                             [](const Scenario& s) {
                               py::list l;
                               for (const auto& t : s.transitions) l.append(transition_dict(s, t));
                               return l;
                             })
      .def_property_readonly("regions",
                             [](const Scenario& s) {
                               py::list l;
                               for (const auto& g : s.regions)
                                 l.append(py::dict("name"_a = g.name,
                                                   "organisation_model"_a = g.organisation_model
                                                                               ? py::object(py::str(
                                                                                     s.organisation_models[*g.organisation_model].name))
                                                                               : py::none()));
                               return l;
                             })
      .def_property_readonly("organisation_models",
                             [](const Scenario& s) {
                               py::dict d;
                               for (const auto& om : s.organisation_models) {
                                 py::dict runs;
                                 for (const auto& [f, o] : om.runs) runs[py::str(f)] = o;
                                 d[py::str(om.name)] = runs;
                               }
                               return d;
                             })
      .def("describe", [](const Scenario& s) { return trede::model::describe(s); });

  m.def(
      "load_scenario",
      [](const std::string& path, const std::vector<std::string>& overrides) {
        return with_python_overrides(overrides, [&] { return trede::model::load_scenario(path, overrides); });
      },
      "path"_a, "overrides"_a);
  m.def(
      "parse_scenario",
      [](const std::string& text, const std::string& source_name, const std::vector<std::string>& overrides,
         const std::string& base_dir) {
        return with_python_overrides(overrides,
                                     [&] { return trede::model::parse_scenario(text, source_name, overrides, base_dir); });
      },
      "text"_a, "source_name"_a, "overrides"_a, "base_dir"_a);

  py::class_<Run, std::shared_ptr<Run>>(m, "Run")
      .def("arrays", [](py::object self) {
        const Run& r = self.cast<const Run&>();
        return ensemble_arrays(r.ensemble, *r.scenario, self);
      })
      .def("attrs", [](const Run& r) { return ensemble_attrs(r.ensemble, *r.scenario); })
      .def_property_readonly("scenario", [](const Run& r) { return std::const_pointer_cast<Scenario>(r.scenario); })
      .def_property_readonly("wall_seconds", [](const Run& r) { return r.ensemble.wall_seconds; })
      .def_property_readonly("threads_used", [](const Run& r) { return r.ensemble.threads_used; })
      .def_property_readonly("total_events", [](const Run& r) { return r.ensemble.total_events(); })
      .def_property_readonly("peak_live_persons", [](const Run& r) { return r.ensemble.peak_live_persons; })
      .def(
          "save",
          [](const Run& r, const std::string& path, int compression_level, const std::string& command_line) {
            py::gil_scoped_release release;
            trede::io::write_hdf5(path, r.ensemble, *r.scenario, write_options(compression_level, command_line));
          },
          "path"_a, "compression_level"_a, "command_line"_a);

  m.def(
      "run",
      [](const std::shared_ptr<Scenario>& scenario, std::uint64_t replicates, std::uint64_t seed, int threads,
         std::uint64_t first_replicate, const py::object& progress, std::uint64_t trajectories) {
        ScenarioPtr s = scenario;
        auto ensemble = run_released<trede::mc::Ensemble>(progress, [=](auto on_progress) {
          trede::mc::RunOptions o = run_options(replicates, seed, threads, first_replicate, trajectories);
          o.progress = on_progress;
          return trede::mc::run(*s, o);
        });
        return std::make_shared<Run>(Run{std::move(ensemble), s});
      },
      "scenario"_a, "replicates"_a, "seed"_a, "threads"_a, "first_replicate"_a, "progress"_a, "trajectories"_a = 0);

  // A run written to `output` as its replicates finish (io::StreamedResult, as `trede run -o`):
  // each replicate's per-region arrays go to the file in replicate order and are not kept, so
  // memory does not grow with replicates x regions. The file is written to a temporary beside
  // `output` and renamed into place when complete. Python then reads it (trede.read).
  m.def(
      "run_to_file",
      [](const std::shared_ptr<Scenario>& scenario, std::uint64_t replicates, std::uint64_t seed, int threads,
         std::uint64_t first_replicate, const py::object& progress, std::uint64_t trajectories,
         const std::string& output, int compression_level) {
        ScenarioPtr s = scenario;
        guard_output(*s, output, false);
        trede::mc::RunOptions o = run_options(replicates, seed, threads, first_replicate, trajectories);
        o.check();
        const trede::engine::Simulator sim(*s);
        trede::io::StreamedResult out(output, *s, sim.layout(), o,
                                      write_options(compression_level, "trede.run(output=...) (Python)"));
        o.sink = &out;
        auto totals = run_released<trede::mc::Ensemble>(progress, [&](auto on_progress) {
          trede::mc::RunOptions with = o;
          with.progress = on_progress;
          return trede::mc::run(sim, with);
        });
        py::gil_scoped_release release;
        out.finish(totals);
      },
      "scenario"_a, "replicates"_a, "seed"_a, "threads"_a, "first_replicate"_a, "progress"_a, "trajectories"_a,
      "output"_a, "compression_level"_a);

  // A probabilistic sensitivity analysis (mc::psa on the threads of this process), returned as
  // the bytes of the file `trede run --draws` writes. With `output`, finished draws are kept in
  // <output>.parts (resumable with `resume`) and the file is written there too.
  m.def(
      "psa",
      [](const std::shared_ptr<Scenario>& s, std::size_t draws, std::uint64_t replicates, std::uint64_t seed, int threads,
         std::uint64_t first_replicate, const std::string& design, bool common_streams, const py::object& progress,
         const std::string& output, bool resume, int compression_level) {
        trede::mc::PsaOptions o;
        o.common_streams = common_streams;
        o.run.replicates = replicates;
        o.run.seed = seed;
        o.run.threads = threads;
        o.run.first_replicate = first_replicate;
        o.draws = draws;
        o.method = trede::mc::point_method(design);
        o.check();
        const Scenario* one[] = {s.get()};
        const trede::mc::DrawSet set = trede::mc::draw_parameters(one, draws, o.method, seed);
        const trede::io::WriteOptions wo = write_options(compression_level, "trede.run(draws=...) (Python)");
        std::optional<trede::io::SweepParts> parts;
        if (!output.empty()) {
          guard_output(*s, output);
          parts.emplace(output, set.as_design(common_streams), *s, seed, replicates, resume, wo);
        }
        auto p = run_released<trede::mc::Psa>(progress, [&](auto on_progress) {
          o.progress = on_progress;
          trede::mc::ThreadExecutor threads_here;
          return trede::mc::psa(*s, set, o, threads_here, parts ? &*parts : nullptr);
        });
        return image_and_notes([&] { return trede::io::psa_image(p, *s, wo); }, output, parts);
      },
      "scenario"_a, "draws"_a, "replicates"_a, "seed"_a, "threads"_a, "first_replicate"_a, "design"_a,
      "common_streams"_a, "progress"_a, "output"_a, "resume"_a, "compression_level"_a);

  // A sweep (mc::sweep on the threads of this process), returned as the bytes of the sweep file
  // `trede sweep` writes: the Python package reads it with h5py from memory. `grid` holds
  // (key, values) axes; otherwise `lhs` holds (key, lo, hi, whole) ranges and `points` points.
  // With `output`, finished points are kept in <output>.parts (resumable with `resume`) and the
  // file is written there too.
  m.def(
      "sweep",
      [](const std::shared_ptr<Scenario>& s, const std::vector<std::pair<std::string, std::vector<std::string>>>& grid,
         const std::vector<std::tuple<std::string, double, double, bool>>& lhs, std::size_t points,
         std::uint64_t replicates, std::uint64_t seed, int threads, const py::object& progress,
         const std::string& output, bool resume, int compression_level, std::size_t draws, const std::string& method,
         bool common_streams) {
        trede::mc::Design design;
        if (!grid.empty()) {
          design = trede::mc::grid_design(grid);
        } else {
          std::vector<trede::mc::LhsRange> ranges;
          for (const auto& [key, lo, hi, whole] : lhs) ranges.push_back({key, lo, hi, whole});
          design = trede::mc::lhs_design(ranges, points, seed);
        }
        trede::mc::SweepOptions o;
        o.run.replicates = replicates;
        o.run.seed = seed;
        o.run.threads = threads;
        o.check();
        if (draws > 0) {
          (void)trede::mc::sweep_scenarios(*s, design);  // bad points before the draws
          const trede::model::Scenario* one[] = {s.get()};
          o.draws = std::make_shared<const trede::mc::DrawSet>(trede::mc::draw_parameters(
              one, draws, trede::mc::point_method(method), seed));
          o.common_streams = common_streams;
        }
        const trede::io::WriteOptions wo = write_options(compression_level, "trede.sweep (Python)");
        std::optional<trede::io::SweepParts> parts;
        if (!output.empty()) guard_output(*s, output);
        if (!output.empty())
          parts.emplace(output, o.draws ? trede::mc::sweep_units(design, *o.draws, common_streams) : design, *s, seed,
                        replicates, resume, wo);
        auto sw = run_released<trede::mc::Sweep>(progress, [&](auto on_progress) {
          o.progress = on_progress;
          trede::mc::ThreadExecutor threads_here;
          return trede::mc::sweep(*s, design, o, threads_here, parts ? &*parts : nullptr);
        });
        return image_and_notes([&] { return trede::io::sweep_image(sw, *s, wo); }, output, parts);
      },
      "scenario"_a, "grid"_a, "lhs"_a, "points"_a, "replicates"_a, "seed"_a, "threads"_a, "progress"_a, "output"_a,
      "resume"_a, "compression_level"_a, "draws"_a = 0, "method"_a = "sobol", "common_streams"_a = false);
  m.def(
      "save_image",
      [](const std::string& path, const py::bytes& image) {
        const std::string_view v = image;
        std::vector<char> bytes(v.begin(), v.end());
        py::gil_scoped_release release;
        trede::io::save_image(path, bytes);
      },
      "path"_a, "image"_a);

  // A comparison (mc::compare on the threads of this process), returned as the bytes of the
  // file `trede compare -o` writes: the Python package reads it with h5py from memory.
  m.def(
      "compare",
      [](const std::vector<std::shared_ptr<Scenario>>& scenarios, std::uint64_t replicates, std::uint64_t seed,
         int threads, std::uint64_t first_replicate, bool independent, double confidence, const py::object& progress,
         std::uint64_t trajectories, std::size_t draws, const std::string& design, bool common_streams,
         const std::string& effect, double wtp, double wtp_max, const std::string& output) -> py::object {
        std::vector<ScenarioPtr> ptrs(scenarios.begin(), scenarios.end());
        trede::mc::CompareOptions o;
        o.run.replicates = replicates;
        o.run.seed = seed;
        o.run.threads = threads;
        o.run.first_replicate = first_replicate;
        o.run.trace_people = trajectories;
        o.measure_independent = independent && draws == 0;
        o.confidence = confidence;
        o.draws = draws;
        o.method = trede::mc::point_method(design);
        o.common_streams = common_streams;
        o.decision.effect = effect;
        o.decision.lambda_reference = wtp;
        o.decision.lambda_max = wtp_max;
        o.decision.confidence = confidence;
        o.decision.seed = seed;
        o.check();
        const std::vector<Scenario> list = values(ptrs);
        // With `output`, the file is written there (as `trede compare -o`): without draws as the
        // replicates finish, so the scenarios' per-region arrays are not held in memory.
        const trede::io::WriteOptions wo = write_options(1, "trede.compare(output=...) (Python)");
        std::optional<trede::io::StreamedComparison> out;
        if (!output.empty()) {
          trede::io::check_outputs(trede::io::scenario_inputs(list), {{"output", output}});
          trede::mc::check_comparable(list);
          if (draws == 0) {
            out.emplace(output, list, o.run, wo);
            o.sink = [&out](std::size_t i) { return out->sink(i); };
          }
        }
        auto comparison = run_released<trede::mc::Comparison>(progress, [&](auto on_progress) {
          o.run.progress = on_progress;
          return trede::mc::compare(list, o);
        });
        if (!output.empty()) {
          {
            py::gil_scoped_release release;
            if (out) out->finish(comparison);
            else trede::io::write_comparison(output, comparison, list, wo);
          }
          return py::none();
        }
        std::vector<char> image;
        {
          py::gil_scoped_release release;
          image = trede::io::comparison_image(comparison, list, write_options(1, "trede.compare (Python)"));
        }
        return py::bytes(image.data(), image.size());
      },
      "scenarios"_a, "replicates"_a, "seed"_a, "threads"_a, "first_replicate"_a, "independent"_a, "confidence"_a,
      "progress"_a, "trajectories"_a, "draws"_a, "design"_a, "common_streams"_a, "effect"_a, "wtp"_a, "wtp_max"_a,
      "output"_a = "");
  m.def(
      "organisation_variants",
      [](const std::shared_ptr<Scenario>& s, const std::vector<std::string>& models) {
        std::vector<std::shared_ptr<Scenario>> out;
        for (auto& v : trede::mc::organisation_variants(*s, models)) out.push_back(std::make_shared<Scenario>(std::move(v)));
        return out;
      },
      "scenario"_a, "models"_a);

  m.def("sha256_hex", [](const std::string& data) { return trede::io::sha256_hex(data); }, "data"_a);
  // The result catalogue (trede/mc/catalogue.hpp), for the package's file checks: one dict per
  // per-replicate array, in catalogue order.
  m.def("result_arrays", [] {
    py::list out;
    for (const trede::mc::ResultArray& a : trede::mc::result_arrays()) {
      py::list dims;
      for (std::size_t i = 0; i < a.rank; ++i) dims.append(trede::mc::to_string(a.dims[i]));
      const char* summarised = a.summarised == trede::mc::Summarised::no      ? "no"
                               : a.summarised == trede::mc::Summarised::cells ? "cells"
                                                                              : "table";
      out.append(py::dict("name"_a = a.name, "unit"_a = a.unit, "description"_a = a.description, "dims"_a = dims,
                          "by_region"_a = a.by_region, "summarised"_a = summarised));
    }
    return out;
  });
  // The columns of /variance/kpi in a PSA file (trede/mc/variance_split.hpp), in order.
  m.def("variance_columns", [] {
    py::list out;
    for (const trede::mc::VarianceColumn& c : trede::mc::variance_columns()) out.append(c.name);
    return out;
  });
  // What trede info and trede run --draws show of one KPI's split (mc::shown), from a row of
  // /variance/kpi given by column name: the report shows the same numbers.
  m.def("variance_shown", [](const py::dict& row) {
    trede::mc::VarianceSplit v;
    for (const trede::mc::VarianceColumn& c : trede::mc::variance_columns())
      if (row.contains(c.name)) v.*c.field = row[c.name].cast<double>();
    const trede::mc::VarianceShown s = trede::mc::shown(v);
    return py::dict("parameter_share"_a = s.parameter_share, "share_halfwidth"_a = s.share_halfwidth,
                    "sd"_a = s.sd, "sd_parameter"_a = s.sd_parameter, "sd_monte_carlo"_a = s.sd_monte_carlo,
                    "share_lower"_a = s.share_lower, "share_upper"_a = s.share_upper);
  });
  // What is wrong with draws=, design= and common_streams= of run, compare and sweep (mc::draws_problem):
  // ("", "") when nothing is, else (key, message).
  m.def("draws_problem", [](std::int64_t draws, bool design_given, bool common_streams) {
    const trede::mc::DrawsProblem p = trede::mc::draws_problem(draws, design_given, common_streams, "draws=");
    return py::make_tuple(p.key, p.message);
  });
  // The Student t quantile of the comparison file's intervals (mc::student_t_quantile).
  m.def("student_t_quantile", &trede::mc::student_t_quantile, "p"_a, "nu"_a);
  m.def("output_problem", &trede::io::output_problem, "path"_a);
  m.def("remove_stale_temporaries", &trede::io::remove_stale_temporaries, "path"_a);
  m.def("stale_temporary_note", &trede::io::stale_temporary_note, "removed"_a, "output"_a);
#ifdef TREDE_PYTHON_WITH_CALIB
  bind_calib(m);
#endif
}
