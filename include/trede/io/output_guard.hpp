#pragma once
/// \file
/// Outputs never destroy inputs. Before a command does any work, every file it will write is
/// compared with every file it reads and with its other outputs, by file identity rather than by
/// spelling: `s.toml`, `./s.toml`, `../dir/s.toml`, a symbolic link to it and a hard link to it
/// are all the same file.
///
///     trede::io::check_outputs(trede::io::scenario_inputs(scenario), {{"-o", "out.h5"}});

#include <string>
#include <vector>

#include "trede/model/scenario.hpp"

namespace trede::io {

/// A file (or directory) a command reads or writes, with the option or role that names it in
/// messages, e.g. {"scenario", "models/x.toml"} or {"--report", "fit.h5"}.
struct NamedFile {
  std::string role;  ///< how the user named it: "scenario", "--data", "-o", ...
  std::string path;  ///< as given (relative to the working directory)
  /// An output directory that the command fills and may remove (a sweep's `<out>.parts`): any
  /// input inside it counts as overwritten too.
  bool directory = false;
};

/// The files a loaded scenario came from: the scenario file, the files it `extends` (nearest
/// first) and the population CSV files it reads, each with `role` ("scenario" by default).
[[nodiscard]] std::vector<NamedFile> scenario_inputs(const model::Scenario& scenario,
                                                     const std::string& role = "scenario");
/// The files all of `scenarios` came from (a comparison's inputs), in order.
[[nodiscard]] std::vector<NamedFile> scenario_inputs(const std::vector<model::Scenario>& scenarios,
                                                     const std::string& role = "scenario");

/// Refuses outputs that would destroy something: an output that is the same file as one of the
/// `inputs` or as another of the `outputs`, or an output directory holding an input.
///
/// Identity: for files that exist, device and inode (after following symbolic links); for an
/// output that does not exist yet, its directory's canonical path and its name.
/// \throws ModelError with one diagnostic per clash, keyed by the output's role and naming both
///         files, e.g. `-o: 's.toml' is the same file as the scenario 's.toml'; ...`.
void check_outputs(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs);

}  // namespace trede::io
