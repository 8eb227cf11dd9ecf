// Calibration reports (trede calibrate --report): writing and reading back. Layout in
// docs/calibration.md; written through the one HDF5 layer like every other trede file.

#include "trede/io/calibration.hpp"

#include "io/hdf5_file.hpp"
#include "trede/error.hpp"
#include "trede/io/atomic_file.hpp"

namespace trede::io {
namespace {

using detail::check;
using detail::Handle;

template <class T>
std::vector<T> opt_vector(hid_t f, const std::string& path) {
  return detail::exists(f, path) ? detail::read_vector<T>(f, path) : std::vector<T>{};
}

std::vector<std::string> opt_strings(hid_t f, const std::string& path) {
  return detail::exists(f, path) ? detail::read_strings(f, path) : std::vector<std::string>{};
}

void fill(hid_t file, const calib::FitResult& f, const model::Scenario& s, const std::string& calibrated,
          const calib::Provenance& p) {
  detail::Writer w(file, 0);
  detail::Attributes prov = detail::provenance("calibration", p.command_line);
  if (!p.created.empty())
    for (auto& [k, v] : prov)
      if (k == "created") v = p.created;
  detail::write_attributes(w, prov);
  w.attr("method", f.method);
  w.attr("status", std::string(calib::to_string(f.status)));
  w.attr("message", f.message);
  w.attr("data_path", p.data_path);
  w.attr("data_sha256", p.data_sha256);
  w.attr("scenario_path", s.source_path);
  w.attr("log_likelihood", f.log_likelihood);
  w.attr("minus2_log_likelihood", -2.0 * f.log_likelihood);
  w.attr("objective", f.objective);
  w.attr("aic", f.aic);
  w.attr("parameters", static_cast<std::int64_t>(f.parameters));
  w.attr("iterations", static_cast<std::int64_t>(f.iterations));
  w.attr("evaluations", static_cast<std::int64_t>(f.evaluations));
  w.attr("seconds", f.seconds);
  w.attr("subjects", static_cast<std::int64_t>(f.subjects));
  w.attr("observations", static_cast<std::int64_t>(f.observations));
  w.attr("transitions", static_cast<std::int64_t>(f.transitions));

  const hsize_t n = f.estimates.size();
  w.group("/estimates");
  std::vector<std::string> name, kind, key;
  std::vector<double> est, se, lo, hi, start;
  std::vector<std::int32_t> fixed, param;
  for (const auto& e : f.estimates) {
    name.push_back(e.name);
    kind.push_back(e.kind);
    key.push_back(e.key);
    est.push_back(e.estimate);
    se.push_back(e.se);
    lo.push_back(e.lower);
    hi.push_back(e.upper);
    start.push_back(e.start);
    fixed.push_back(e.fixed ? 1 : 0);
    param.push_back(e.parameter);
  }
  w.strings("/estimates/name", name);
  w.strings("/estimates/kind", kind);
  w.strings("/estimates/key", key);
  w.dataset("/estimates/estimate", {n}, est);
  w.dataset("/estimates/se", {n}, se);
  w.dataset("/estimates/lower", {n}, lo);
  w.dataset("/estimates/upper", {n}, hi);
  w.dataset("/estimates/start", {n}, start);
  w.dataset("/estimates/fixed", {n}, fixed);
  w.dataset("/estimates/parameter", {n}, param);

  const hsize_t P = f.parameter_names.size();
  w.group("/parameters");
  w.strings("/parameters/name", f.parameter_names);
  w.dataset("/parameters/theta", {P}, f.theta);
  w.dataset("/parameters/covariance", {P, P}, f.covariance);

  if (!f.q.empty()) {
    const hsize_t S = f.states.size();
    w.strings("/states", f.states);
    w.group("/q");
    w.dataset("/q/estimate", {S, S}, f.q);
    w.dataset("/q/lower", {S, S}, f.q_lower);
    w.dataset("/q/upper", {S, S}, f.q_upper);
    w.group("/sojourn");
    w.dataset("/sojourn/estimate", {S}, f.sojourn);
    w.dataset("/sojourn/lower", {S}, f.sojourn_lower);
    w.dataset("/sojourn/upper", {S}, f.sojourn_upper);
  }
  w.group("/starts");
  std::vector<std::string> label, status;
  std::vector<double> sll;
  std::vector<std::int32_t> sit;
  for (const auto& st : f.starts) {
    label.push_back(st.label);
    status.push_back(calib::to_string(st.status));
    sll.push_back(st.log_likelihood);
    sit.push_back(st.iterations);
  }
  w.strings("/starts/label", label);
  w.strings("/starts/status", status);
  w.dataset("/starts/log_likelihood", {label.size()}, sll);
  w.dataset("/starts/iterations", {label.size()}, sit);
  if (!f.targets.empty()) {
    w.group("/targets");
    std::vector<std::string> id;
    std::vector<double> t, obs, sd, sim, simse, z;
    for (const auto& tf : f.targets) {
      id.push_back(tf.id);
      t.push_back(tf.time);
      obs.push_back(tf.observed);
      sd.push_back(tf.sd);
      sim.push_back(tf.simulated);
      simse.push_back(tf.simulated_se);
      z.push_back(tf.z);
    }
    const hsize_t m = id.size();
    w.strings("/targets/id", id);
    w.dataset("/targets/time", {m}, t);
    w.dataset("/targets/observed", {m}, obs);
    w.dataset("/targets/sd", {m}, sd);
    w.dataset("/targets/simulated", {m}, sim);
    w.dataset("/targets/simulated_se", {m}, simse);
    w.dataset("/targets/z", {m}, z);
  }
  w.strings("/notes", f.notes);
  w.scalar_string("/scenario", s.text);
  w.scalar_string("/calibrated_scenario", calibrated);
}

}  // namespace

void write_calibration(const std::string& path, const calib::FitResult& fit, const model::Scenario& scenario,
                       const std::string& calibrated_text, const calib::Provenance& provenance) {
  detail::write_file(path, 0, [&](hid_t file) { fill(file, fit, scenario, calibrated_text, provenance); });
}

void write_calibration(PendingFile& out, const calib::FitResult& fit, const model::Scenario& scenario,
                       const std::string& calibrated_text, const calib::Provenance& provenance) {
  const std::vector<char> image =
      detail::build_image(out.path(), 0, [&](hid_t file) { fill(file, fit, scenario, calibrated_text, provenance); });
  out.write(image.data(), image.size());
}

CalibrationReport read_calibration(const std::string& path) {
  detail::Handle file = detail::open_file(path);
  detail::ErrorSilencer quiet;
  try {
    if (detail::read_string_attr(file.get(), "kind") != "calibration") throw IoError(path, "not a trede calibration report");
    CalibrationReport r;
    const hid_t f = file.get();
    r.method = detail::read_string_attr(f, "method");
    r.status = detail::read_string_attr(f, "status");
    r.message = detail::read_string_attr(f, "message");
    r.created = detail::read_string_attr(f, "created");
    r.command_line = detail::read_string_attr(f, "command_line");
    r.data_path = detail::read_string_attr(f, "data_path");
    r.data_sha256 = detail::read_string_attr(f, "data_sha256");
    r.log_likelihood = detail::read_attr<double>(f, "log_likelihood");
    r.aic = detail::read_attr<double>(f, "aic");
    r.seconds = detail::read_attr<double>(f, "seconds");
    r.iterations = static_cast<int>(detail::read_attr<std::int64_t>(f, "iterations"));
    const auto name = opt_strings(f, "/estimates/name"), kind = opt_strings(f, "/estimates/kind"),
               key = opt_strings(f, "/estimates/key");
    const auto est = opt_vector<double>(f, "/estimates/estimate"), se = opt_vector<double>(f, "/estimates/se"),
               lo = opt_vector<double>(f, "/estimates/lower"), hi = opt_vector<double>(f, "/estimates/upper"),
               start = opt_vector<double>(f, "/estimates/start");
    const auto fixed = opt_vector<std::int32_t>(f, "/estimates/fixed"), param = opt_vector<std::int32_t>(f, "/estimates/parameter");
    for (std::size_t i = 0; i < name.size(); ++i)
      r.estimates.push_back({name[i], kind[i], key[i], est[i], se[i], lo[i], hi[i], start[i], fixed[i] != 0, param[i]});
    r.covariance = opt_vector<double>(f, "/parameters/covariance");
    const auto tid = opt_strings(f, "/targets/id");
    const auto tt = opt_vector<double>(f, "/targets/time"), to = opt_vector<double>(f, "/targets/observed"),
               tsd = opt_vector<double>(f, "/targets/sd"), ts = opt_vector<double>(f, "/targets/simulated"),
               tse = opt_vector<double>(f, "/targets/simulated_se"), tz = opt_vector<double>(f, "/targets/z");
    for (std::size_t i = 0; i < tid.size(); ++i) r.targets.push_back({tid[i], tt[i], to[i], tsd[i], ts[i], tse[i], tz[i]});
    const auto sc = opt_strings(f, "/scenario"), cs = opt_strings(f, "/calibrated_scenario");
    r.scenario_text = sc.empty() ? "" : sc.front();
    r.calibrated_text = cs.empty() ? "" : cs.front();
    return r;
  } catch (const detail::Hdf5Failure& e) {
    throw IoError(path, "cannot read the report (" + e.what_failed + ")");
  }
}

}  // namespace trede::io
