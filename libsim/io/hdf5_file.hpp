#pragma once
// The one HDF5 layer of libtrede (private): a writer and reader over the HDF5 C API, the atomic
// write of a whole file, and the provenance attributes every trede file carries. Every file
// format (result, comparison, sweep, sweep parts, PSA, calibration report) is written and read
// through it, from one thread (HDF5 is not thread-safe here).
//
// Datasets and groups are created without modification times, so two runs with the same inputs
// give the same bytes in every dataset; only the `created` attribute differs.

#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "io/hdf5_util.hpp"
#include "trede/io/atomic_file.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/ensemble.hpp"

namespace trede::model {
struct Scenario;
}

namespace trede::io::detail {

// Writes datasets, groups and attributes below one location (the file or a group); paths
// without a leading '/' are relative to it.
class Writer {
 public:
  Writer(hid_t loc, int compression_level) : loc_(loc), level_(compression_level) {}

  [[nodiscard]] hid_t location() const noexcept { return loc_; }
  [[nodiscard]] int compression_level() const noexcept { return level_; }

  // Creates the group `path`, or opens it when it exists.
  Handle group(const std::string& path);

  // A dataset of `shape` (row-major). `chunked` datasets (per-replicate arrays, large
  // summaries) are chunked along the first axis and compressed with shuffle + deflate.
  template <class T>
  void dataset(const std::string& path, const std::vector<hsize_t>& shape, const T* data, bool chunked = false) {
    write_raw(path, shape, native_type<T>(), sizeof(T), data, chunked);
  }
  template <class T>
  void dataset(const std::string& path, const std::vector<hsize_t>& shape, const std::vector<T>& v,
               bool chunked = false) {
    dataset(path, shape, v.data(), chunked);
  }

  void strings(const std::string& path, const std::vector<std::string>& values);
  void scalar_string(const std::string& path, const std::string& value);

  // /<group>/{mean,sd,q05,q50,q95}; large ones chunked and compressed.
  void summary(const std::string& group_path, const mc::Summary& s, const std::vector<hsize_t>& shape);
  // One table row per name: name, mean, sd, q05, q50, q95 (the KPI table).
  void summary_table(const std::string& path, const std::vector<std::string>& names, const mc::Summary& s);

  void attr(const std::string& name, const std::string& value);
  void attr(const std::string& name, const char* value) { attr(name, std::string(value)); }
  template <class T>
  void attr(const std::string& name, T value) {
    attr_raw(name, native_type<T>(), &value);
  }

 private:
  void write_raw(const std::string& path, const std::vector<hsize_t>& shape, hid_t type, std::size_t element_size,
                 const void* data, bool chunked);
  void attr_raw(const std::string& name, hid_t type, const void* value);
  hid_t loc_;
  int level_;
};

// A dataset written a block of rows at a time as replicates finish (a streamed per-replicate
// array, shape [R, ...]) and read back in slabs of its second axis for the summaries. Chunks hold
// one row and as many entries of the second axis as make about 256 KiB, so a slab of whole
// chunk columns reads every chunk once; compressed like Writer's chunked datasets.
class RowDataset {
 public:
  RowDataset(hid_t loc, const std::string& path, const std::vector<hsize_t>& shape, hid_t type,
             std::size_t element_size, int compression_level);
  // Writes rows [first, first + count) from `data` (row-major).
  void write_rows(hsize_t first, hsize_t count, const void* data);
  // Reads [0, R) x [begin, begin + count) x ... into `data` (replicate-major).
  void read_slab(hsize_t begin, hsize_t count, void* data) const;
  // Entries of the second axis per chunk: read slabs of multiples of it.
  [[nodiscard]] hsize_t chunk_columns() const noexcept { return chunk_columns_; }
  [[nodiscard]] const std::vector<hsize_t>& shape() const noexcept { return shape_; }

 private:
  // The memory and file dataspaces of [begin, begin + count) on `axis`, everything of the others.
  [[nodiscard]] std::pair<Handle, Handle> spaces(hsize_t axis, hsize_t begin, hsize_t count) const;
  std::string path_;
  std::vector<hsize_t> shape_;
  hid_t type_;
  hsize_t chunk_columns_ = 1;
  bool empty_ = false;  // a zero-length dimension: nothing to write or read
  Handle ds_;
};

using io::AttributeValue;
using io::Attributes;

void write_attributes(Writer& w, const Attributes& attributes);

// What every trede file says about itself: kind ("result", "comparison", "sweep", "psa",
// "calibration"), trede_version, git_commit, created (UTC) and, when given, command_line.
[[nodiscard]] Attributes provenance(const std::string& kind, const std::string& command_line);
// What a file says about the scenario it ran: scenario_name, scenario_path, scenario_overrides,
// scenario_hash, start_time, horizon_years.
[[nodiscard]] Attributes scenario_attributes(const model::Scenario& s);

// ---- reading ---------------------------------------------------------------------------------

// Opens `path` read-only; IoError saying why when it cannot ("no such file", "is a directory",
// "permission denied", "not an HDF5 file").
[[nodiscard]] Handle open_file(const std::string& path);

[[nodiscard]] bool exists(hid_t loc, const std::string& path);
[[nodiscard]] std::vector<std::string> read_strings(hid_t loc, const std::string& path);
[[nodiscard]] std::string read_string_attr(hid_t loc, const char* name);  // "" when absent
template <class T>
[[nodiscard]] std::vector<T> read_vector(hid_t loc, const std::string& path) {
  Handle ds(check(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), "open " + path), H5Dclose);
  Handle space(check(H5Dget_space(ds.get()), "dataspace " + path), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<T> v(static_cast<std::size_t>(n > 0 ? n : 0));
  if (!v.empty()) check(H5Dread(ds.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "read " + path);
  return v;
}
template <class T>
[[nodiscard]] T read_attr(hid_t loc, const char* name) {
  T v{};
  Handle a(check(H5Aopen(loc, name, H5P_DEFAULT), std::string("attribute ") + name), H5Aclose);
  check(H5Aread(a.get(), native_type<T>(), &v), std::string("attribute ") + name);
  return v;
}
// Every attribute of `loc` as text (what `trede info` prints).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> attributes_as_text(hid_t loc);

// ---- writing a whole file --------------------------------------------------------------------

// Builds an HDF5 file with `fill(file)` and puts it at `path` atomically: written to a temporary
// file in the target directory, synced, and renamed into place only when complete, so readers
// see the old file or the whole new one, never a part. \throws IoError (path unchanged).
void write_file(const std::string& path, int compression_level, const std::function<void(hid_t)>& fill);
// The two halves of write_file: the file built in memory, and bytes put at `path` atomically.
[[nodiscard]] std::vector<char> build_image(const std::string& path, int compression_level,
                                            const std::function<void(hid_t)>& fill);
void write_image(const std::string& path, const std::vector<char>& image);

// An HDF5 file written on disk through a PendingFile (for files too large to build in memory:
// streamed results): created at the temporary, renamed over `path` by commit(), removed when
// not committed. \throws IoError.
class DiskFile {
 public:
  explicit DiskFile(const std::string& path);
  ~DiskFile();
  DiskFile(const DiskFile&) = delete;
  DiskFile& operator=(const DiskFile&) = delete;
  [[nodiscard]] hid_t get() const noexcept { return file_.get(); }
  [[nodiscard]] const std::string& path() const noexcept;
  // Makes sure the file can grow to `bytes` before HDF5 writes that much: checks the file size
  // limit and the free space, and reserves the blocks (fallocate, the size unchanged). HDF5 1.10
  // cannot close a file whose writes failed (it crashes at exit), so a full disk must be found
  // here, not by HDF5. \throws IoError naming what is short.
  void reserve(std::uint64_t bytes);
  // Closes the HDF5 file, gives back the blocks reserved beyond its end, syncs it and renames it
  // into place. \throws IoError.
  void commit();

 private:
  std::unique_ptr<PendingFile> pending_;
  Handle file_;
};

}  // namespace trede::io::detail
