// Outputs never destroy inputs (include/trede/io/output_guard.hpp).
//
// Two names are the same file when stat() gives the same device and inode, which covers
// `./x`, `../d/x`, symbolic links and hard links at once. An output that does not exist yet has
// no inode; it is identified by its directory's canonical path (symbolic links resolved) plus
// its name, which is what it will be once written. Inputs always exist (they are read first).

#include "trede/io/output_guard.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <optional>

#include "trede/error.hpp"

namespace trede::io {
namespace {

namespace fs = std::filesystem;

struct Identity {
  std::optional<std::pair<dev_t, ino_t>> inode;  // when the file exists
  fs::path canonical;                             // symbolic links resolved; "" when unknown
};

Identity identify(const std::string& path) {
  Identity id;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) id.inode = std::pair{st.st_dev, st.st_ino};
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  if (ec) return id;
  // weakly_canonical resolves the part that exists, so a new file in an existing directory
  // gets the directory's real path and its own name.
  id.canonical = fs::weakly_canonical(p, ec);
  if (ec) id.canonical = p.lexically_normal();
  return id;
}

bool same_file(const Identity& a, const Identity& b) {
  if (a.inode && b.inode) return *a.inode == *b.inode;
  if (a.inode || b.inode) return false;  // one exists, the other does not
  return !a.canonical.empty() && a.canonical == b.canonical;
}

// True when `inner` lies below the directory `dir` (both canonical).
bool inside(const fs::path& inner, const fs::path& dir) {
  if (inner.empty() || dir.empty()) return false;
  auto d = dir.begin();
  auto i = inner.begin();
  for (; d != dir.end(); ++d, ++i)
    if (i == inner.end() || *i != *d) return false;
  return i != inner.end();
}

std::string quoted(const NamedFile& f) { return f.role + " '" + f.path + "'"; }

}  // namespace

std::vector<NamedFile> scenario_inputs(const model::Scenario& s, const std::string& role) {
  std::vector<NamedFile> v;
  if (!s.source_path.empty()) v.push_back({role, s.source_path});
  for (const auto& b : s.base_paths) v.push_back({"the file it extends", b});
  for (const auto& d : s.data_paths) v.push_back({"the population file", d});
  return v;
}

std::vector<NamedFile> scenario_inputs(const std::vector<model::Scenario>& scenarios, const std::string& role) {
  std::vector<NamedFile> v;
  for (const auto& s : scenarios) {
    auto in = scenario_inputs(s, role);
    v.insert(v.end(), in.begin(), in.end());
  }
  return v;
}

void check_outputs(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs) {
  std::vector<Identity> in_ids, out_ids;
  for (const auto& f : inputs) in_ids.push_back(identify(f.path));
  for (const auto& f : outputs) out_ids.push_back(identify(f.path));
  std::vector<Diagnostic> problems;
  const std::string advice = ": an output may not replace ";
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const NamedFile& out = outputs[o];
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (same_file(out_ids[o], in_ids[i])) {
        problems.push_back({"", 0, out.role,
                            "'" + out.path + "' is the same file as " + quoted(inputs[i]) + advice +
                                "an input; choose another file name"});
        break;  // one message per output is enough
      }
      if (out.directory && inside(in_ids[i].canonical, out_ids[o].canonical)) {
        problems.push_back({"", 0, out.role,
                            "'" + out.path + "' is written and removed by this command, and holds " +
                                quoted(inputs[i]) + "; move the input or choose another output name"});
        break;
      }
    }
    for (std::size_t p = 0; p < o; ++p) {
      if (same_file(out_ids[o], out_ids[p]))
        problems.push_back({"", 0, out.role,
                            "'" + out.path + "' is the same file as " + quoted(outputs[p]) + advice +
                                "another output; give each output its own file"});
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
}

}  // namespace trede::io
