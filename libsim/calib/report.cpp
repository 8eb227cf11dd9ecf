// The HDF5 fit report (layout in docs/calibration.md). Built in memory with HDF5's core driver
// and written through io::PendingFile (a temporary file renamed into place), as result files
// are: an interrupted write never leaves a partial report.

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "calib/internal.hpp"
#include "text.hpp"
#include "io/hdf5_util.hpp"
#include "trede/calib/report.hpp"
#include "trede/error.hpp"
#include "trede/io/atomic_file.hpp"
#include "trede/version.hpp"

namespace trede::calib {
namespace {

using io::detail::check;
using io::detail::Handle;
using io::detail::Hdf5Failure;

std::atomic<unsigned> counter{0};

class Writer {
 public:
  explicit Writer(hid_t file) : file_(file) {}

  void group(const std::string& path) {
    Handle g(check(H5Gcreate2(file_, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "group " + path), H5Gclose);
  }

  template <class T>
  void dataset(const std::string& path, const std::vector<hsize_t>& shape, const std::vector<T>& v) {
    Handle space(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "space " + path), H5Sclose);
    const hid_t type = io::detail::native_type<T>();
    Handle ds(check(H5Dcreate2(file_, path.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "dataset " + path),
              H5Dclose);
    if (!v.empty()) check(H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "write " + path);
  }

  void strings(const std::string& path, const std::vector<std::string>& values) {
    Handle type = io::detail::string_type();
    const hsize_t n = values.size();
    Handle space(check(H5Screate_simple(1, &n, nullptr), "space " + path), H5Sclose);
    Handle ds(check(H5Dcreate2(file_, path.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    "dataset " + path),
              H5Dclose);
    std::vector<const char*> p;
    for (const auto& s : values) p.push_back(s.c_str());
    if (n) check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), "write " + path);
  }

  void text(const std::string& path, const std::string& value) {
    Handle type = io::detail::string_type();
    Handle space(check(H5Screate(H5S_SCALAR), "space"), H5Sclose);
    Handle ds(check(H5Dcreate2(file_, path.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    "dataset " + path),
              H5Dclose);
    const char* p = value.c_str();
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), "write " + path);
  }

  void attr(const std::string& name, const std::string& value) {
    Handle type = io::detail::string_type();
    Handle space(check(H5Screate(H5S_SCALAR), "space"), H5Sclose);
    Handle a(check(H5Acreate2(file_, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "attr " + name), H5Aclose);
    const char* p = value.c_str();
    check(H5Awrite(a.get(), type.get(), &p), "attr " + name);
  }

  template <class T>
  void attr(const std::string& name, T value) {
    Handle space(check(H5Screate(H5S_SCALAR), "space"), H5Sclose);
    const hid_t type = io::detail::native_type<T>();
    Handle a(check(H5Acreate2(file_, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), "attr " + name), H5Aclose);
    check(H5Awrite(a.get(), type, &value), "attr " + name);
  }

 private:
  hid_t file_;
};

void fill(hid_t file, const FitResult& f, const model::Scenario& s, const std::string& calibrated, const Provenance& p) {
  Writer w(file);
  w.attr("kind", std::string("calibration"));
  w.attr("method", f.method);
  w.attr("status", std::string(to_string(f.status)));
  w.attr("message", f.message);
  w.attr("trede_version", std::string(trede::version));
  w.attr("git_commit", std::string(trede::git_commit()));
  w.attr("created", p.created.empty() ? trede::detail::utc_now() : p.created);
  w.attr("command_line", p.command_line);
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
    status.push_back(to_string(st.status));
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
  w.text("/scenario", s.text);
  w.text("/calibrated_scenario", calibrated);
}

// ---- reading ----------------------------------------------------------------------------------

std::string read_string_attr(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return {};
  Handle a(check(H5Aopen(file, name, H5P_DEFAULT), name), H5Aclose);
  Handle type = io::detail::string_type();
  char* p = nullptr;
  check(H5Aread(a.get(), type.get(), &p), name);
  std::string s = p ? p : "";
  if (p) H5free_memory(p);
  return s;
}

template <class T>
T read_attr(hid_t file, const char* name) {
  T v{};
  Handle a(check(H5Aopen(file, name, H5P_DEFAULT), name), H5Aclose);
  check(H5Aread(a.get(), io::detail::native_type<T>(), &v), name);
  return v;
}

bool exists(hid_t file, const std::string& path) {
  // Check each component so that a missing group is not an error.
  std::size_t pos = 1;
  while (true) {
    const auto next = path.find('/', pos);
    const std::string part = path.substr(0, next);
    if (H5Lexists(file, part.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) return true;
    pos = next + 1;
  }
}

template <class T>
std::vector<T> read_vec(hid_t file, const std::string& path) {
  if (!exists(file, path)) return {};
  Handle ds(check(H5Dopen2(file, path.c_str(), H5P_DEFAULT), path), H5Dclose);
  Handle space(check(H5Dget_space(ds.get()), path), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<T> v(static_cast<std::size_t>(std::max<hssize_t>(0, n)));
  if (n > 0) check(H5Dread(ds.get(), io::detail::native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), path);
  return v;
}

std::vector<std::string> read_strings(hid_t file, const std::string& path) {
  if (!exists(file, path)) return {};
  Handle ds(check(H5Dopen2(file, path.c_str(), H5P_DEFAULT), path), H5Dclose);
  Handle space(check(H5Dget_space(ds.get()), path), H5Sclose);
  Handle type = io::detail::string_type();
  const int rank = H5Sget_simple_extent_ndims(space.get());
  const hssize_t n = rank == 0 ? 1 : H5Sget_simple_extent_npoints(space.get());
  std::vector<char*> p(static_cast<std::size_t>(std::max<hssize_t>(0, n)), nullptr);
  if (n > 0) check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), path);
  std::vector<std::string> out;
  for (char* c : p) out.emplace_back(c ? c : "");
  if (n > 0) H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, p.data());
  return out;
}

}  // namespace

// The report as the bytes of an HDF5 file (built in memory with HDF5's core driver).
static std::vector<char> report_image(const std::string& path, const FitResult& f, const model::Scenario& s,
                               const std::string& calibrated, const Provenance& p) {
  std::vector<char> image;
  io::detail::ErrorSilencer quiet;
  try {
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    check(H5Pset_fapl_core(fapl.get(), 1u << 20, 0), "in-memory driver");
    const std::string name = "trede-fit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
    if (file.get() < 0) throw Hdf5Failure{"create in-memory file"};
    fill(file.get(), f, s, calibrated, p);
    check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush");
    const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
    if (size <= 0) throw Hdf5Failure{"file image size"};
    image.resize(static_cast<std::size_t>(size));
    if (H5Fget_file_image(file.get(), image.data(), image.size()) != size) throw Hdf5Failure{"file image"};
  } catch (const Hdf5Failure& e) {
    throw IoError(path, "HDF5 could not build the report (" + e.what_failed + ")");
  }
  return image;
}

void write_report(io::PendingFile& out, const FitResult& f, const model::Scenario& s, const std::string& calibrated,
                  const Provenance& p) {
  const std::vector<char> image = report_image(out.path(), f, s, calibrated, p);
  out.write(image.data(), image.size());
}

void write_report(const std::string& path, const FitResult& f, const model::Scenario& s, const std::string& calibrated,
                  const Provenance& p) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (fs::is_directory(target)) throw IoError(path, "is a directory");
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) throw IoError(path, "directory '" + dir.string() + "' does not exist");
  const std::vector<char> image = report_image(path, f, s, calibrated, p);
  io::PendingFile out(path);  // the temporary exists only while the image is written out
  out.write(image.data(), image.size());
  out.commit();
}

Report read_report(const std::string& path) {
  io::detail::ErrorSilencer quiet;
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.get() < 0) throw IoError(path, "cannot open the report (not an HDF5 file?)");
  try {
    if (read_string_attr(file.get(), "kind") != "calibration") throw IoError(path, "not a trede calibration report");
    Report r;
    const hid_t f = file.get();
    r.method = read_string_attr(f, "method");
    r.status = read_string_attr(f, "status");
    r.message = read_string_attr(f, "message");
    r.created = read_string_attr(f, "created");
    r.command_line = read_string_attr(f, "command_line");
    r.data_path = read_string_attr(f, "data_path");
    r.data_sha256 = read_string_attr(f, "data_sha256");
    r.log_likelihood = read_attr<double>(f, "log_likelihood");
    r.aic = read_attr<double>(f, "aic");
    r.seconds = read_attr<double>(f, "seconds");
    r.iterations = static_cast<int>(read_attr<std::int64_t>(f, "iterations"));
    const auto name = read_strings(f, "/estimates/name"), kind = read_strings(f, "/estimates/kind"),
               key = read_strings(f, "/estimates/key");
    const auto est = read_vec<double>(f, "/estimates/estimate"), se = read_vec<double>(f, "/estimates/se"),
               lo = read_vec<double>(f, "/estimates/lower"), hi = read_vec<double>(f, "/estimates/upper"),
               start = read_vec<double>(f, "/estimates/start");
    const auto fixed = read_vec<std::int32_t>(f, "/estimates/fixed"), param = read_vec<std::int32_t>(f, "/estimates/parameter");
    for (std::size_t i = 0; i < name.size(); ++i)
      r.estimates.push_back({name[i], kind[i], key[i], est[i], se[i], lo[i], hi[i], start[i], fixed[i] != 0, param[i]});
    r.covariance = read_vec<double>(f, "/parameters/covariance");
    const auto tid = read_strings(f, "/targets/id");
    const auto tt = read_vec<double>(f, "/targets/time"), to = read_vec<double>(f, "/targets/observed"),
               tsd = read_vec<double>(f, "/targets/sd"), ts = read_vec<double>(f, "/targets/simulated"),
               tse = read_vec<double>(f, "/targets/simulated_se"), tz = read_vec<double>(f, "/targets/z");
    for (std::size_t i = 0; i < tid.size(); ++i) r.targets.push_back({tid[i], tt[i], to[i], tsd[i], ts[i], tse[i], tz[i]});
    const auto sc = read_strings(f, "/scenario"), cs = read_strings(f, "/calibrated_scenario");
    r.scenario_text = sc.empty() ? "" : sc.front();
    r.calibrated_text = cs.empty() ? "" : cs.front();
    return r;
  } catch (const Hdf5Failure& e) {
    throw IoError(path, "cannot read the report (" + e.what_failed + ")");
  }
}

}  // namespace trede::calib
