// Output files through temporaries (include/trede/io/atomic_file.hpp).
//
// The list of live temporaries is the one process-wide state in libtrede, and must be: a signal
// handler receives no context, so whatever it cleans up has to be reachable from a global. It is
// a fixed array of slots holding plain char buffers and lock-free atomics, so that the handler
// only reads memory and calls unlink(2), both async-signal-safe. A slot is published (state
// `ready`) only after its path is complete and retired before its file is renamed or removed; a
// handler that runs in between unlinks a name that no longer exists, which is harmless.

#include "trede/io/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "trede/error.hpp"

namespace trede::io {
namespace {

namespace fs = std::filesystem;

enum SlotState : int { free_slot = 0, claimed = 1, ready = 2 };

struct Slot {
  std::atomic<int> state{free_slot};
  char path[PATH_MAX];
};
static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need lock-free atomics");

constexpr std::size_t slot_count = 64;  // temporaries alive at once in one process
std::array<Slot, slot_count> registry;
std::atomic<unsigned> counter{0};
std::atomic<bool> any_committed{false};
// Set while a commit renames its files. Its thread holds SIGINT and SIGTERM back, but the signal
// may reach another thread; that thread's handler waits for the commit to end (see
// remove_pending_files), so a commit is never cut in half.
std::atomic<bool> committing{false};

// Enters `path` in the list; -1 when the list is full (the file is then still removed by its
// destructor, only not by a signal handler) or the path is too long.
int enter(const std::string& path) noexcept {
  if (path.size() >= PATH_MAX) return -1;
  for (std::size_t i = 0; i < slot_count; ++i) {
    int expected = free_slot;
    if (registry[i].state.compare_exchange_strong(expected, claimed)) {
      std::memcpy(registry[i].path, path.c_str(), path.size() + 1);
      registry[i].state.store(ready);
      return static_cast<int>(i);
    }
  }
  return -1;
}

void leave(int slot) noexcept {
  if (slot >= 0) registry[static_cast<std::size_t>(slot)].state.store(free_slot);
}

// Holds SIGINT and SIGTERM back in this thread while alive (they are delivered afterwards).
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &s, &old_);
  }
  ~SignalsHeld() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t old_;
};

// The directory a file `path` lies in ("." for a bare name).
fs::path directory_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

// Makes the renames into directory `dir` durable (the new name survives a power loss, not only
// the file's data). Best effort: the renames are done, and a file system that cannot sync a
// directory (EINVAL) leaves nothing to undo.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

std::string unique_name(const std::string& path, const char* kind) {
  return path + kind + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// A hard link `path.tmp-PID-N` to the current `path`, to put back if a later rename of the same
// commit fails; "" when `path` does not exist or cannot be linked (then there is nothing to keep,
// or the file system has no hard links and the old file cannot be restored).
struct Backup {
  std::string name;
  int slot = -1;
};

Backup keep_old(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};
  Backup b{unique_name(path, ".tmp-"), -1};
  if (::link(path.c_str(), b.name.c_str()) != 0) return {};
  b.slot = enter(b.name);
  return b;
}

}  // namespace

std::string output_problem(const std::string& path) {
  if (path.empty()) return "is empty: give the name of the file to write";
  std::error_code ec;
  const fs::path target(path);
  const fs::file_status status = fs::status(target, ec);
  if (fs::is_directory(status)) return "is a directory";
  // The temporary is renamed over the output: that would replace a device (/dev/null), a named
  // pipe or a socket by a regular file, so those are refused (a symbolic link to a regular file
  // is replaced by the new file; the file it pointed to is left alone).
  if (fs::exists(status) && !fs::is_regular_file(status))
    return "is not a regular file (a device, named pipe or socket); trede writes a new file in its place, so give the "
           "name of a file";
  const fs::path dir = directory_of(target);
  if (!fs::is_directory(dir, ec)) return "directory '" + dir.string() + "' does not exist";
  return "";
}

PendingFile::PendingFile(std::string path) : path_(std::move(path)) {
  const fs::path target(path_);
  std::error_code ec;
  if (const std::string problem = output_problem(path_); !problem.empty()) throw IoError(path_, problem);
  const fs::path dir = directory_of(target);
  (void)remove_stale_temporaries(path_);
  temporary_ = unique_name(path_, ".tmp-");
  // The slot is taken before the file exists, so no moment passes in which a signal could leave
  // an unlisted temporary behind.
  slot_ = enter(temporary_);
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int err = errno;
    leave(slot_);
    throw IoError(path_, "cannot create the temporary file '" + temporary_ + "': " + std::strerror(err));
  }
}

PendingFile::~PendingFile() {
  if (!committed_) discard();
}

void PendingFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
  leave(slot_);
  slot_ = -1;
}

void PendingFile::write(const void* data, std::size_t bytes) {
  if (fd_ < 0) throw IoError(path_, "write after the file was finished");
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      discard();
      throw IoError(path_, std::string("cannot write: ") + std::strerror(err));
    }
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

void PendingFile::finish() {
  if (fd_ < 0) return;
  // Durable before the rename makes it visible: a crash after the rename shows the new file.
  if (::fsync(fd_) != 0) {
    const int err = errno;
    discard();
    throw IoError(path_, std::string("cannot sync: ") + std::strerror(err));
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int err = errno;
    discard();
    throw IoError(path_, std::string("cannot close: ") + std::strerror(err));
  }
}

void PendingFile::commit() {
  PendingFile* self = this;
  commit_all(std::span<PendingFile* const>(&self, 1));
}

void commit_all(std::span<PendingFile* const> files) {
  for (PendingFile* f : files)
    if (f->committed_ || f->temporary_.empty()) throw IoError(f->path_, "committed twice");
  try {
    for (PendingFile* f : files) f->finish();
  } catch (...) {
    for (PendingFile* f : files) f->discard();
    throw;
  }
  const SignalsHeld held;  // no interruption between the renames of one commit
  committing.store(true);
  struct Done {
    ~Done() { committing.store(false); }
  } done;
  std::vector<Backup> backups(files.size());
  if (files.size() > 1)
    for (std::size_t i = 0; i < files.size(); ++i) backups[i] = keep_old(files[i]->path_);
  auto drop_backups = [&] {
    for (auto& b : backups) {
      if (!b.name.empty()) ::unlink(b.name.c_str());
      leave(b.slot);
    }
  };
  for (std::size_t i = 0; i < files.size(); ++i) {
    PendingFile& f = *files[i];
    leave(f.slot_);  // retired first: once renamed, the name must never be unlinked by a handler
    f.slot_ = -1;
    if (std::rename(f.temporary_.c_str(), f.path_.c_str()) == 0) continue;
    const int err = errno;
    // Undo the renames already done: the old file back, or no file where there was none.
    for (std::size_t j = 0; j < i; ++j) {
      if (!backups[j].name.empty() && std::rename(backups[j].name.c_str(), files[j]->path_.c_str()) == 0) {
        leave(backups[j].slot);
        backups[j] = {};
      } else if (backups[j].name.empty()) {
        ::unlink(files[j]->path_.c_str());
      }
    }
    drop_backups();
    for (std::size_t j = i; j < files.size(); ++j) files[j]->discard();
    throw IoError(f.path_, "cannot move the finished file into place: " + std::string(std::strerror(err)) +
                               (files.size() > 1 ? " (none of this command's outputs was written)" : ""));
  }
  drop_backups();
  for (PendingFile* f : files) f->committed_ = true;
  std::vector<std::string> dirs;  // each directory once
  for (PendingFile* f : files) {
    std::string d = directory_of(f->path_).string();
    if (std::find(dirs.begin(), dirs.end(), d) != dirs.end()) continue;
    sync_directory(d);
    dirs.push_back(std::move(d));
  }
  any_committed.store(true);  // before `committing` is cleared, so a waiting handler sees it
}

std::vector<std::string> remove_stale_temporaries(const std::string& path) {
  std::vector<std::string> removed;
  const fs::path target(path);
  const fs::path dir = directory_of(target);
  const std::string prefix = target.filename().string() + ".tmp-";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    // The rest must be PID or PID-N, digits only.
    const std::string rest = name.substr(prefix.size());
    const auto dash = rest.find('-');
    const std::string pid_text = rest.substr(0, dash);
    const std::string n_text = dash == std::string::npos ? "1" : rest.substr(dash + 1);
    auto digits = [](const std::string& s) {
      return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
    };
    if (!digits(pid_text) || !digits(n_text)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or someone else's: keep
    std::error_code rm;
    // Named as the output was (no "./" for an output in the working directory).
    const fs::path shown = target.has_parent_path() ? target.parent_path() / name : fs::path(name);
    if (fs::remove(it->path(), rm)) removed.push_back(shown.string());
  }
  return removed;
}

std::string stale_temporary_note(const std::string& removed, const std::string& output) {
  std::string pid = removed.substr(removed.rfind(".tmp-") + 5);
  pid = pid.substr(0, pid.find('-'));
  return "note: removed '" + removed + "', an unfinished temporary file of " + output + " left by trede process " + pid +
         ", which no longer runs (killed or crashed)";
}

int remove_pending_files() noexcept {
  while (committing.load()) {
    // Another thread is renaming (this one cannot be: it holds the signals back meanwhile).
  }
  int n = 0;
  for (auto& s : registry)
    if (s.state.load() == ready && ::unlink(s.path) == 0) ++n;
  return n;
}

bool committed_any() noexcept { return any_committed.load(); }

}  // namespace trede::io
