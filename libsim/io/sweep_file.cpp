// Sweep files (trede sweep) and the resume store of a sweep (<output>.parts/).

#include <algorithm>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/hdf5_file.hpp"
#include "io/result_file.hpp"
#include "trede/error.hpp"
#include "trede/mc/psa.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/version.hpp"

namespace trede::io {
namespace fs = std::filesystem;

namespace {

void fill_sweep(hid_t file, const mc::Sweep& sweep, const model::Scenario& base, const WriteOptions& o) {
  {
    detail::Writer w(file, o.compression_level);
    const engine::Layout& L = sweep.layout;
    const mc::Design& design = sweep.design;
    const hsize_t N = sweep.points.size(), D = design.keys.size(), R = sweep.replicates, K = L.K();
    detail::write_attributes(w, detail::provenance("sweep", o.command_line));
    detail::write_attributes(w, {{"design", design.kind},
                                 {"master_seed", sweep.seed},
                                 {"replicates", sweep.replicates},
                                 {"points", static_cast<std::uint64_t>(N)}});
    if (sweep.draws) {
      detail::write_attributes(w, {{"draws", static_cast<std::uint64_t>(sweep.draws->draws)},
                                   {"replicates_per_draw", sweep.replicates_per_draw},
                                   {"streams", std::string(sweep.common_streams ? "common" : "independent")},
                                   {"uncertainty", std::string("parameter and Monte Carlo")}});
      detail::write_draws(w, *sweep.draws);
    }
    detail::write_attributes(w, detail::scenario_attributes(base));
    w.scalar_string("scenario", base.text);
    detail::write_grid_and_names(w, L);
    // The design: keys, values as written (TOML), values as numbers.
    w.group("points");
    w.strings("points/keys", design.keys);
    std::vector<std::string> values;
    std::vector<double> numeric;
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t k = 0; k < D; ++k) values.push_back(design.values[i][k]), numeric.push_back(design.numeric[i][k]);
    w.strings("points/values", values);  // [N * D], row-major
    w.dataset("points/numeric", {N, D}, numeric);
    std::vector<std::uint64_t> events;
    std::vector<double> wall;
    for (const auto& p : sweep.points) events.push_back(p.events), wall.push_back(p.wall_seconds);
    w.dataset("points/events", {N}, events);
    w.dataset("points/wall_seconds", {N}, wall);
    // Every summary a point keeps, stacked along the point axis.
    w.group("summary");
    if (L.B() > 0) w.group("summary/by_group");
    if (N > 0) {
      const mc::SweepPoint& first = sweep.points.front();
      for (std::size_t j = 0; j < first.arrays.size(); ++j) {
        const mc::ResultArray& a = *first.arrays[j];
        const std::string group = std::string("summary/") + a.name;
        std::vector<hsize_t> shape{N};
        for (std::size_t n : a.shape(L)) shape.push_back(n);
        w.group(group);
        for (auto [name, part] : {std::pair{"mean", &mc::Summary::mean}, {"sd", &mc::Summary::sd},
                                  {"q05", &mc::Summary::q05}, {"q50", &mc::Summary::q50}, {"q95", &mc::Summary::q95}}) {
          std::vector<double> v;
          for (const auto& p : sweep.points) v.insert(v.end(), (p.summaries[j].*part).begin(), (p.summaries[j].*part).end());
          w.dataset(group + "/" + name, shape, v);
        }
      }
    }
    w.group("replicates");
    std::vector<double> kpi;
    for (const auto& p : sweep.points) kpi.insert(kpi.end(), p.kpi_replicates.begin(), p.kpi_replicates.end());
    w.dataset("replicates/kpi", {N, R, K}, kpi, true);
  }
}

}  // namespace

void write_sweep(const std::string& path, const mc::Sweep& sweep, const model::Scenario& base, const WriteOptions& o) {
  detail::write_file(path, o.compression_level, [&](hid_t file) { fill_sweep(file, sweep, base, o); });
}

std::vector<char> sweep_image(const mc::Sweep& sweep, const model::Scenario& base, const WriteOptions& o) {
  return detail::build_image("(sweep in memory)", o.compression_level,
                             [&](hid_t file) { fill_sweep(file, sweep, base, o); });
}

void save_image(const std::string& path, const std::vector<char>& image) { detail::write_image(path, image); }

// ---- the resume store --------------------------------------------------------------------------

namespace {

std::string part_name(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "point-%06zu.h5", i);
  return name;
}

}  // namespace

SweepParts::SweepParts(const std::string& output, const mc::Design& design, const model::Scenario& base,
                       std::uint64_t seed, std::uint64_t replicates, bool resume, const WriteOptions& options)
    : dir_(output + ".parts"), design_(design), base_hash_(scenario_hash(base)), seed_(seed), replicates_(replicates),
      options_(options) {
  std::error_code ec;
  bool existed = false;
  // The lock is the directory itself. A run that ends before its first part removes the empty
  // directory while it holds the lock, so a lock taken on a directory that is no longer at
  // dir_ is let go and taken again on the one that is.
  for (int attempt = 0;; ++attempt) {
    existed = fs::exists(dir_, ec);
    if (existed && !fs::is_directory(dir_, ec))
      throw ModelError("", 0, "-o", dir_ + " exists and is not a directory; it is where a sweep keeps its finished points");
    if (!existed && !fs::create_directory(dir_, ec) && !fs::is_directory(dir_))
      throw IoError(dir_, "cannot create the directory for finished sweep points: " + ec.message());
    lock_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock_fd_ < 0) {
      if (errno == ENOENT && attempt < 8) continue;  // removed between the check and the open
      throw IoError(dir_, std::string("cannot open: ") + std::strerror(errno));
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(lock_fd_);
      lock_fd_ = -1;
      throw ModelError("", 0, "-o",
                       "another trede sweep or PSA is writing " + output + " (its parts directory " + dir_ +
                           " is locked); wait for it, or write to another file");
    }
    struct stat held {}, now {};
    if (::fstat(lock_fd_, &held) == 0 && ::stat(dir_.c_str(), &now) == 0 && held.st_dev == now.st_dev &&
        held.st_ino == now.st_ino)
      break;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (attempt >= 8) throw IoError(dir_, "the directory for finished sweep points keeps being replaced");
  }
  if (existed && !resume) {
    bool any = false;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) any = any || entry.path().extension() == ".h5";
    if (any) {
      ::close(lock_fd_);
      lock_fd_ = -1;
      throw ModelError("", 0, "--resume",
                       "found the finished parts of an interrupted run (points of a sweep, draws of a PSA) in " +
                           dir_ + "; add --resume (in Python resume=True) to continue it, or remove that directory to start afresh");
    }
  }
}

SweepParts::~SweepParts() {
  if (lock_fd_ < 0) return;
  // A run refused or failed before its first part leaves nothing behind: the directory goes,
  // while still locked, if it is empty (one with parts stays for --resume).
  std::error_code ec;
  if (fs::is_empty(dir_, ec) && !ec) fs::remove(dir_, ec);
  ::close(lock_fd_);
}

std::string SweepParts::identity(std::size_t i) const {
  std::string id = "trede sweep point\nscenario " + base_hash_ + "\nseed " + std::to_string(seed_) + "\nreplicates " +
                   std::to_string(replicates_) + "\ntrede " + trede::version + "\ndesign " +
                   sha256_hex(design_.fingerprint()) + "\npoint " + std::to_string(i) + "\n";
  for (std::size_t k = 0; k < design_.keys.size(); ++k) id += design_.keys[k] + "=" + design_.values[i][k] + "\n";
  return id;
}

std::optional<mc::Ensemble> SweepParts::load(std::size_t i) {
  const std::string path = (fs::path(dir_) / part_name(i)).string();
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  try {
    detail::Handle file = detail::open_file(path);
    detail::ErrorSilencer quiet;
    try {
      if (detail::read_string_attr(file.get(), "sweep_identity") != identity(i)) {
        notes_.push_back(path + ": belongs to another sweep, PSA or point (scenario, design (a PSA's draws and streams), point, "
                                "seed, replicates or trede version differ); running the point again");
        return std::nullopt;
      }
      mc::Ensemble e = detail::read_ensemble(file.get());
      if (e.seed != seed_ || e.replicates != replicates_) {
        notes_.push_back(path + ": other replicates than the sweep's; running the point again");
        return std::nullopt;
      }
      return e;
    } catch (const detail::Hdf5Failure& f) {
      notes_.push_back(path + ": damaged (" + f.what_failed + "); running the point again");
    }
  } catch (const IoError& e) {
    notes_.push_back(std::string(e.what()) + "; running the point again");
  }
  return std::nullopt;
}

void SweepParts::save(std::size_t i, const mc::Ensemble& e, const model::Scenario& scenario) {
  const std::string path = (fs::path(dir_) / part_name(i)).string();
  detail::write_file(path, options_.compression_level, [&](hid_t file) {
    detail::Writer w(file, options_.compression_level);
    detail::Attributes a = detail::provenance("sweep_point", options_.command_line);
    a.emplace_back("sweep_identity", identity(i));
    a.emplace_back("sweep_point", static_cast<std::uint64_t>(i));
    detail::write_ensemble(w, e, scenario, a);
  });
}

void SweepParts::remove() {
  // Only what a sweep writes there goes: its parts (point-NNNNNN.h5, also those of an earlier,
  // larger design) and their temporaries. Anything else was put there by someone else and stays,
  // with the directory, and a note says so.
  std::error_code ec;
  std::vector<std::string> kept;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    // point-NNNNNN.h5 (six digits or more: part_name's %06zu), or a temporary of one
    std::size_t digits = 0;
    while (6 + digits < name.size() && name[6 + digits] >= '0' && name[6 + digits] <= '9') ++digits;
    const std::size_t end = 6 + digits;
    const bool part = name.rfind("point-", 0) == 0 && digits >= 6 && name.compare(end, 3, ".h5") == 0 &&
                      (name.size() == end + 3 || name.compare(end + 3, 5, ".tmp-") == 0);
    std::error_code type_ec;
    if (part && entry.is_regular_file(type_ec)) fs::remove(entry.path(), ec);
    else kept.push_back(name);
  }
  if (kept.empty()) {
    fs::remove(dir_, ec);
  } else {
    std::sort(kept.begin(), kept.end());
    std::string list;
    for (std::size_t i = 0; i < kept.size() && i < 5; ++i) list += (i ? ", " : "") + kept[i];
    if (kept.size() > 5) list += " and " + std::to_string(kept.size() - 5) + " more";
    notes_.push_back(dir_ + ": kept, with what a sweep did not write there (" + list + "); its parts were removed");
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

}  // namespace trede::io
