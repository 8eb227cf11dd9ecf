// HDF5 output read back: trede::io::write_hdf5 against the in-memory Ensemble it was given
// (checked by check_hdf5.py with h5py), trede::io::read_info, and the writer's promise that a
// failed write never leaves a partial file nor touches an existing one.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <numeric>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "trede/trede.hpp"

namespace fs = std::filesystem;

namespace {

const std::string bm2 = std::string(TREDE_SOURCE_DIR) + "/models/ladder-bm2.toml";
const std::string check_script = TREDE_IO_CHECK_SCRIPT;

// A small BM2 whose waiting lists fill and whose states cost money, so that every array of the
// file carries non-trivial values.
const std::vector<std::string> small_bm2 = {
    "population[0].count=2000",
    "inflow[0].rate_per_year=300",
    "state[beschut_werk].capacity=60",
    "state[tussengroep].capacity=30",
    "state[bijstand].cost_eur_per_year=12000",
    "state[beschut_werk].cost_eur_per_year=30000",
    "state[ontwikkeltraject].cost_eur_per_year=8000",
};

// A fresh directory, removed (with everything in it) at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "trede-io-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// An existing file at the target: its bytes and modification time, to prove it was not touched.
struct Existing {
  std::string path, bytes;
  fs::file_time_type mtime;

  explicit Existing(std::string p) : path(std::move(p)) {
    bytes = "an earlier result that must survive\n";
    write_bytes(path, bytes);
    mtime = fs::file_time_type(std::chrono::seconds(1'500'000'000));
    fs::last_write_time(path, mtime);
  }
  void expect_untouched() const {
    EXPECT_EQ(read_bytes(path), bytes) << path << " was changed";
    EXPECT_EQ(fs::last_write_time(path), mtime) << path << " was touched";
  }
};

struct SimResult {
  trede::model::Scenario scenario;
  trede::mc::Ensemble ensemble;
};

SimResult small_run(std::uint64_t replicates = 7, std::uint64_t seed = 11, std::uint64_t first = 3,
              std::vector<std::string> overrides = small_bm2) {
  SimResult r{trede::model::load_scenario(bm2, overrides), {}};
  trede::mc::RunOptions opt;
  opt.replicates = replicates;
  opt.seed = seed;
  opt.first_replicate = first;
  opt.threads = 2;
  r.ensemble = trede::mc::run(r.scenario, opt);
  return r;
}

nlohmann::json summary_json(const trede::mc::Summary& s) {
  // NaN (an undefined KPI) becomes null in JSON; the checker turns it back into NaN.
  return {{"mean", s.mean}, {"sd", s.sd}, {"q05", s.q05}, {"q50", s.q50}, {"q95", s.q95}};
}

// Everything the file should hold, from memory.
nlohmann::json ensemble_json(const SimResult& run, int compression_level) {
  const auto& e = run.ensemble;
  const auto& L = e.layout;
  const auto& s = run.scenario;
  nlohmann::json j;
  j["version"] = std::string(trede::version);
  j["git_commit"] = std::string(trede::git_commit());
  j["seed"] = e.seed;
  j["first_replicate"] = e.first_replicate;
  j["replicates"] = e.replicates;
  j["compression_level"] = compression_level;
  j["scenario"] = {{"name", s.name},
                   {"path", s.source_path},
                   {"text", s.text},
                   {"overrides", s.overrides},
                   {"start_year", s.start_year},
                   {"horizon_years", s.horizon_years},
                   {"initial_population", s.initial_population()}};
  std::vector<std::string> edge_id, edge_from, edge_to, edge_kind;
  for (const auto& ed : L.edges) {
    edge_id.push_back(ed.id);
    edge_from.push_back(ed.from);
    edge_to.push_back(ed.to);
    edge_kind.push_back(trede::engine::to_string(ed.kind));
  }
  j["layout"] = {{"report_times", L.report_times},
                 {"period_start", L.period_start},
                 {"period_end", L.period_end},
                 {"states", L.states},
                 {"trede", L.trede},
                 {"cost_eur_per_year", L.cost_eur_per_year},
                 {"capacity_states", L.capacity_states},
                 {"edge_id", edge_id},
                 {"edge_from", edge_from},
                 {"edge_to", edge_to},
                 {"edge_kind", edge_kind},
                 {"kpi_names", L.kpi_names}};
  // Every array of the result catalogue present in the run, and the summaries of those summarised.
  j["replicates_data"] = nlohmann::json::object();
  j["summary"] = nlohmann::json::object();
  trede::mc::for_each_array(e, [&](const trede::mc::ResultArray& a, const auto& values) {
    j["replicates_data"][a.name] = values;
    if (a.summarised != trede::mc::Summarised::no) j["summary"][a.name] = summary_json(e.summaries[a.index()]);
  });
  return j;
}

// Runs a command, returns (exit status, combined output).
std::pair<int, std::string> run_command(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::map<std::string, std::string> attributes(const trede::io::FileInfo& info) {
  return {info.attributes.begin(), info.attributes.end()};
}

void expect_nothing_written(const TempDir& dir, const std::vector<std::string>& before) {
  EXPECT_EQ(listing(dir.path()), before) << "files were left behind in " << dir.path();
}

// Removes the capabilities that let root ignore file permissions from this thread, for as long
// as it lives (HDF5 writes from the calling thread). Does nothing for other users.
class WithoutFileCapabilities {
 public:
  WithoutFileCapabilities() {
    if (::geteuid() != 0) {
      ok_ = true;
      return;
    }
    hdr_.version = _LINUX_CAPABILITY_VERSION_3;
    hdr_.pid = 0;
    if (::syscall(SYS_capget, &hdr_, saved_) != 0) return;
    __user_cap_data_struct reduced[2];
    std::memcpy(reduced, saved_, sizeof reduced);
    const unsigned mask = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER);
    reduced[0].effective &= ~mask;
    ok_ = dropped_ = ::syscall(SYS_capset, &hdr_, reduced) == 0;
  }
  ~WithoutFileCapabilities() {
    if (dropped_) ::syscall(SYS_capset, &hdr_, saved_);
  }
  WithoutFileCapabilities(const WithoutFileCapabilities&) = delete;
  WithoutFileCapabilities& operator=(const WithoutFileCapabilities&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  __user_cap_header_struct hdr_{};
  __user_cap_data_struct saved_[2]{};
  bool ok_ = false, dropped_ = false;
};

// Limits the size of files this process writes (writes past it fail with EFBIG), for as long
// as it lives.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim = saved_;
    lim.rlim_cur = std::min<rlim_t>(bytes, saved_.rlim_max);
    ok_ = ::setrlimit(RLIMIT_FSIZE, &lim) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = SIG_DFL;
  bool ok_ = false;
};

}  // namespace

// ---- the file equals what was in memory -----------------------------------------------------

TEST(Hdf5ReadBack, EveryDatasetMatchesTheEnsembleInMemory) {
  TempDir dir;
  const SimResult run = small_run();
  // The run must exercise waiting lists and costs, or the comparison proves little.
  ASSERT_GT(std::accumulate(run.ensemble.values<std::int32_t>("waiting_joined").begin(),
                            run.ensemble.values<std::int32_t>("waiting_joined").end(), 0LL),
            0);
  ASSERT_GT(std::accumulate(run.ensemble.values<double>("cost_eur").begin(),
                            run.ensemble.values<double>("cost_eur").end(), 0.0),
            0.0);

  trede::io::WriteOptions wo;
  wo.compression_level = 6;
  wo.command_line = "trede run ladder-bm2.toml (from hdf5_roundtrip_test)";
  const std::string h5 = dir / "result.h5";
  const std::string js = dir / "memory.json";
  trede::io::write_hdf5(h5, run.ensemble, run.scenario, wo);
  auto j = ensemble_json(run, wo.compression_level);
  j["command_line"] = wo.command_line;
  j["scenario_file"] = bm2;
  std::ofstream(js) << j.dump();

  const auto [status, output] =
      run_command(std::string(TREDE_PYTHON) + " " + quoted(check_script) + " " + quoted(h5) + " " + quoted(js));
  EXPECT_EQ(status, 0) << output;
  std::cout << output;
  EXPECT_EQ(listing(dir.path()), (std::vector<std::string>{"memory.json", "result.h5"}));
}

TEST(Hdf5ReadBack, UndefinedKpisAreWrittenAsNaN) {
  // No one reaches work and no one waits: mean time to first work and mean waiting time are
  // undefined in every replicate; the file must say NaN, not 0.
  TempDir dir;
  std::vector<std::string> overrides = {"population[0].count=300", "inflow[0].rate_per_year=0"};
  for (const char* t : {"ontwikkeltraject->afspraakbaan", "ontwikkeltraject->regulier_werk", "diagnose->beschut_werk",
                        "ontwikkeltraject->beschut_werk", "tussengroep->afspraakbaan", "tussengroep->regulier_werk",
                        "ontwikkeltraject->tussengroep"})
    overrides.push_back("transition[" + std::string(t) + "].rate=0");
  const SimResult run = small_run(3, 5, 0, overrides);
  const std::string h5 = dir / "nan.h5";
  trede::io::write_hdf5(h5, run.ensemble, run.scenario);
  const std::string js = dir / "memory.json";
  auto j = ensemble_json(run, trede::io::WriteOptions{}.compression_level);
  j["scenario_file"] = bm2;
  std::ofstream(js) << j.dump();
  const auto [status, output] = run_command(std::string(TREDE_PYTHON) + " " + quoted(check_script) + " " +
                                            quoted(h5) + " " + quoted(js) + " --expect-nan-kpi " +
                                            "mean_time_to_first_work_years,mean_waiting_time_admitted_years");
  EXPECT_EQ(status, 0) << output;
}

TEST(Hdf5ReadBack, ReadInfoReturnsWhatWasWritten) {
  TempDir dir;
  const SimResult run = small_run(4, 9, 0);
  const std::string h5 = dir / "info.h5";
  trede::io::write_hdf5(h5, run.ensemble, run.scenario);
  const trede::io::FileInfo info = trede::io::read_info(h5);
  EXPECT_EQ(info.kpi_names, run.ensemble.layout.kpi_names);
  ASSERT_EQ(info.kpi.mean.size(), run.ensemble.summary("kpi").mean.size());
  for (std::size_t k = 0; k < info.kpi.mean.size(); ++k) {
    const double a = info.kpi.mean[k], b = run.ensemble.summary("kpi").mean[k];
    EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << info.kpi_names[k] << ": " << a << " vs " << b;
    EXPECT_TRUE(info.kpi.q95[k] == run.ensemble.summary("kpi").q95[k] ||
                (std::isnan(info.kpi.q95[k]) && std::isnan(run.ensemble.summary("kpi").q95[k])));
  }
  const auto attrs = attributes(info);
  EXPECT_EQ(attrs.at("master_seed"), "9");
  EXPECT_EQ(attrs.at("replicates"), "4");
  EXPECT_EQ(attrs.count("command_line"), 0u) << "command_line is written only when given";
  std::map<std::string, std::vector<std::uint64_t>> shapes;
  for (const auto& d : info.datasets) shapes[d.path] = d.shape;
  const std::uint64_t R = 4, T = run.ensemble.layout.T(), S = run.ensemble.layout.S();
  EXPECT_EQ(shapes.at("/replicates/occupancy"), (std::vector<std::uint64_t>{R, T, S}));
  EXPECT_EQ(shapes.at("/time"), (std::vector<std::uint64_t>{T}));
  EXPECT_TRUE(shapes.at("/scenario").empty()) << "/scenario is a scalar string";
}

TEST(Hdf5ReadBack, ScenarioHashFollowsTheScenarioNotTheRun) {
  TempDir dir;
  const SimResult a = small_run(2, 1, 0);
  const SimResult b = small_run(3, 2, 5);  // other seed, count and range: same scenario
  std::vector<std::string> other = small_bm2;
  other.push_back("state[tussengroep].capacity=31");
  const SimResult c = small_run(2, 1, 0, other);
  trede::io::write_hdf5(dir / "a.h5", a.ensemble, a.scenario);
  trede::io::write_hdf5(dir / "b.h5", b.ensemble, b.scenario);
  trede::io::write_hdf5(dir / "c.h5", c.ensemble, c.scenario);
  const auto ha = attributes(trede::io::read_info(dir / "a.h5")).at("scenario_hash");
  const auto hb = attributes(trede::io::read_info(dir / "b.h5")).at("scenario_hash");
  const auto hc = attributes(trede::io::read_info(dir / "c.h5")).at("scenario_hash");
  EXPECT_EQ(ha.size(), 64u);
  EXPECT_EQ(ha.find_first_not_of("0123456789abcdef"), std::string::npos) << ha;
  EXPECT_EQ(ha, hb) << "the hash must not depend on seed or replicates";
  EXPECT_NE(ha, hc) << "an override that changes the scenario must change the hash";
}

// ---- the writer never leaves a partial file ---------------------------------------------------

TEST(Hdf5Writer, MissingDirectoryThrowsIoErrorAndCreatesNothing) {
  TempDir dir;
  const SimResult run = small_run(2, 1, 0);
  const std::string target = dir / "no/such/dir/out.h5";
  try {
    trede::io::write_hdf5(target, run.ensemble, run.scenario);
    FAIL() << "no exception";
  } catch (const trede::IoError& e) {
    EXPECT_EQ(e.path(), target);
  }
  expect_nothing_written(dir, {});
}

TEST(Hdf5Writer, TargetThatIsADirectoryThrowsIoError) {
  TempDir dir;
  const SimResult run = small_run(2, 1, 0);
  fs::create_directory(dir / "out.h5");
  EXPECT_THROW(trede::io::write_hdf5(dir / "out.h5", run.ensemble, run.scenario), trede::IoError);
  EXPECT_TRUE(fs::is_empty(dir / "out.h5"));
  expect_nothing_written(dir, {"out.h5"});
}

TEST(Hdf5Writer, ReadOnlyDirectoryThrowsIoErrorAndLeavesNothing) {
  TempDir dir;
  const SimResult run = small_run(2, 1, 0);
  const Existing existing(dir / "out.h5");
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  WithoutFileCapabilities unprivileged;
  if (!unprivileged.ok()) GTEST_SKIP() << "cannot drop root's file capabilities here";
  // Make sure the directory really is read-only for this thread.
  const std::string probe = dir / "probe";
  const int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY, 0644);
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
    GTEST_SKIP() << "cannot make a directory read-only here";
  }
  try {
    trede::io::write_hdf5(existing.path, run.ensemble, run.scenario);
    ADD_FAILURE() << "no exception";
  } catch (const trede::IoError& e) {
    EXPECT_EQ(e.path(), existing.path);
  }
  existing.expect_untouched();
  expect_nothing_written(dir, {"out.h5"});
}

TEST(Hdf5Writer, FailureHalfwayLeavesNoPartialFileAndKeepsTheTarget) {
  // The file system refuses writes past 16 KiB: the write fails part-way through.
  TempDir dir;
  const SimResult run = small_run();
  const Existing existing(dir / "out.h5");
  {
    FileSizeLimit limit(16 * 1024);
    ASSERT_TRUE(limit.ok());
    try {
      trede::io::write_hdf5(existing.path, run.ensemble, run.scenario);
      ADD_FAILURE() << "no exception although the file could not be written";
    } catch (const trede::IoError& e) {
      EXPECT_EQ(e.path(), existing.path);
    }
  }
  existing.expect_untouched();
  expect_nothing_written(dir, {"out.h5"});
  // The library is still usable: the next write succeeds and replaces the target.
  trede::io::write_hdf5(existing.path, run.ensemble, run.scenario);
  EXPECT_EQ(attributes(trede::io::read_info(existing.path)).at("replicates"), "7");
  expect_nothing_written(dir, {"out.h5"});
}

TEST(Hdf5Writer, BadCompressionLevelThrowsAndTouchesNothing) {
  TempDir dir;
  const SimResult run = small_run(2, 1, 0);
  const Existing existing(dir / "out.h5");
  for (int level : {-1, 10}) {
    trede::io::WriteOptions wo;
    wo.compression_level = level;
    EXPECT_THROW(trede::io::write_hdf5(existing.path, run.ensemble, run.scenario, wo), trede::Error) << level;
  }
  existing.expect_untouched();
  expect_nothing_written(dir, {"out.h5"});
}

TEST(Hdf5Writer, ReplacesAnExistingTargetCompletely) {
  TempDir dir;
  const SimResult run = small_run(2, 1, 0);
  write_bytes(dir / "out.h5", std::string(1 << 20, 'x'));  // larger than the result
  trede::io::write_hdf5(dir / "out.h5", run.ensemble, run.scenario);
  EXPECT_NE(read_bytes(dir / "out.h5").substr(0, 8), std::string(8, 'x'));
  EXPECT_EQ(attributes(trede::io::read_info(dir / "out.h5")).at("replicates"), "2");
  expect_nothing_written(dir, {"out.h5"});
}

TEST(ReadInfo, NonHdf5FileThrowsIoError) {
  TempDir dir;
  write_bytes(dir / "text.h5", "not HDF5\n");
  try {
    (void)trede::io::read_info(dir / "text.h5");
    FAIL() << "no exception";
  } catch (const trede::IoError& e) {
    EXPECT_EQ(e.path(), dir / "text.h5");
  }
  EXPECT_THROW((void)trede::io::read_info(dir / "missing.h5"), trede::IoError);
}
