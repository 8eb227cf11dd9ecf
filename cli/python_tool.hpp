#pragma once
// Subcommands made by the Python package (`trede report`, `trede export`): find the interpreter
// and the package, and run `python3 -m trede.<module> ARGS...` with the package on PYTHONPATH.
//
// Where the package is looked for, first match wins:
//   1. $TREDE_PYTHONPATH (a directory holding trede/<module>.py);
//   2. the build tree: <dir of this program>/../python (bin/trede next to python/trede);
//   3. the install tree: <dir of this program>/../<TREDE_PYTHON_INSTALL_DIR>;
//   4. wherever the interpreter finds it by itself (PYTHONPATH, site-packages).
// The interpreter: $TREDE_PYTHON, else python3 beside this program (a virtual environment made by
// pip), else the one the package was built for.

#include <string>
#include <vector>

namespace trede::cli {

// Runs the `main` of `trede.<module>` with `args` in Python and returns its exit code (the
// module's own: 0, 1 or 2), or 1 with a message on stderr when the interpreter cannot be
// started or is killed. Ctrl-C and SIGTERM while it runs end the child alone, which removes its
// temporaries; then "interrupted: no output written" and 130 or 143 (an interruption after its
// outputs were renamed into place is too late to matter: 0). The caller must return right
// after: SIGINT and SIGTERM stay ignored. `what` names the tool in messages ("trede report").
int run_python_module(const std::string& module, const std::vector<std::string>& args, const std::string& what);

}  // namespace trede::cli
