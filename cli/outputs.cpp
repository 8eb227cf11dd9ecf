#include "outputs.hpp"

#include <cstdio>
#include <string>

#include "common.hpp"
#include "trede/io/atomic_file.hpp"

namespace trede::cli {

void guard_outputs(const std::vector<io::NamedFile>& inputs, const std::vector<io::NamedFile>& outputs) {
  std::vector<io::NamedFile> given;  // options left empty write nothing
  for (const auto& o : outputs)
    if (!o.path.empty()) given.push_back(o);
  io::check_outputs(inputs, given);
  if (!root()) return;  // one process tidies up and reports
  for (const auto& o : given) {
    if (o.directory) continue;  // a directory's files are tidied when they are written
    for (const auto& name : io::remove_stale_temporaries(o.path))
      std::fprintf(stderr, "%s\n", io::stale_temporary_note(name, o.path).c_str());
  }
}

}  // namespace trede::cli
