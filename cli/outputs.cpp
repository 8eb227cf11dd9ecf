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
    for (const auto& name : io::remove_stale_temporaries(o.path)) {
      const auto dash = name.rfind(".tmp-");
      std::string pid = name.substr(dash + 5);
      pid = pid.substr(0, pid.find('-'));
      std::fprintf(stderr,
                   "note: removed '%s', an unfinished temporary file of %s left by trede process %s, which no "
                   "longer runs (killed or crashed)\n",
                   name.c_str(), o.path.c_str(), pid.c_str());
    }
  }
}

}  // namespace trede::cli
