#pragma once
/// \file
/// Output files that appear complete or not at all. A `PendingFile` is a temporary file
/// `NAME.tmp-PID-N` beside the output `NAME`; it is synced and renamed over `NAME` only when
/// committed, and removed otherwise (an exception, a failed write, a destructor). Several outputs
/// of one command are committed together: all of them or none (`commit_all`).
///
/// Interruption. Every temporary is also entered in a process-wide list that a signal handler may
/// read: `remove_pending_files()` (async-signal-safe) deletes them, so a handler for SIGINT and
/// SIGTERM (installed by a program, e.g. the `trede` command line) leaves nothing behind. A
/// process killed outright (SIGKILL, power loss) cannot clean up; the next `PendingFile` for the
/// same output, or `remove_stale_temporaries`, removes the temporaries of processes that no
/// longer run.
///
///     trede::io::PendingFile out("fit.toml");
///     out.write(text);
///     out.commit();  // fit.toml now holds `text`; before this line it was untouched

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trede::io {

/// Why `path` cannot be an output, or "" when it can: an empty name, a directory, an existing file
/// that is not a regular file (a device such as /dev/null, a named pipe, a socket: the rename of
/// the temporary would replace it), or a directory that does not exist. PendingFile checks it;
/// front ends call it first to report bad options before any work is done.
[[nodiscard]] std::string output_problem(const std::string& path);

/// One output file being written through a temporary file in the same directory.
class PendingFile {
 public:
  /// Creates the temporary `path.tmp-PID-N` (stale temporaries of `path` are removed first).
  /// \throws IoError if `path` is a directory or another file that is not a regular file (a
  ///         device such as /dev/null, a named pipe, a socket: the rename would replace it), its
  ///         directory does not exist, or the temporary cannot be created.
  explicit PendingFile(std::string path);
  /// Removes the temporary unless the file was committed.
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  /// The output file (as given).
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The temporary file, e.g. "out.h5.tmp-4711-0".
  [[nodiscard]] const std::string& temporary() const noexcept { return temporary_; }

  /// Appends `bytes` bytes to the temporary. \throws IoError (e.g. the disk is full).
  void write(const void* data, std::size_t bytes);
  /// Appends `text`. \throws IoError.
  void write(std::string_view text) { write(text.data(), text.size()); }

  /// Syncs the temporary to disk and renames it over `path()`. \throws IoError; `path()` is then
  /// unchanged and the temporary removed.
  void commit();

 private:
  friend void commit_all(std::span<PendingFile* const> files);
  void finish();   // fsync and close; throws IoError
  void discard() noexcept;

  std::string path_;
  std::string temporary_;
  int fd_ = -1;
  int slot_ = -1;  // entry in the signal-safe list, or -1
  bool committed_ = false;
};

/// Commits `files` together: every one is synced first; only then are they renamed into place.
/// When a rename fails, the files already renamed get their previous contents back (or are
/// removed when they did not exist), so either every output is new or none is. SIGINT and SIGTERM
/// are held back while the renames run.
/// \throws IoError naming the file that failed; every temporary is then removed.
void commit_all(std::span<PendingFile* const> files);

/// Removes temporaries of `path` (`path.tmp-PID-N`, and `path.tmp-PID` of older versions) left by
/// processes that no longer run (a process id that `kill(pid, 0)` reports as absent).
/// \returns the names removed, for the caller to report.
std::vector<std::string> remove_stale_temporaries(const std::string& path);

/// The note that reports `removed`, a name `remove_stale_temporaries(output)` returned: which file,
/// of which output, left by which process (one line, no newline).
[[nodiscard]] std::string stale_temporary_note(const std::string& removed, const std::string& output);

/// Deletes every temporary of this process not yet committed. Async-signal-safe: for signal
/// handlers, which must then end the process. \returns how many were removed.
int remove_pending_files() noexcept;

/// True once this process has committed an output file (async-signal-safe).
bool committed_any() noexcept;

}  // namespace trede::io
