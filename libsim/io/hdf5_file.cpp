// The one HDF5 layer of libtrede (see hdf5_file.hpp).

#include "io/hdf5_file.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "text.hpp"
#include "trede/error.hpp"
#include "trede/io/atomic_file.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/model/scenario.hpp"
#include "trede/version.hpp"

namespace trede::io::detail {
namespace {

// Creation property lists without modification times (reproducible bytes).
Handle untimed(hid_t cls) {
  Handle p(check(H5Pcreate(cls), "property list"), H5Pclose);
  check(H5Pset_obj_track_times(p.get(), 0), "property list");
  return p;
}

std::string attribute_text(hid_t attr) {
  Handle type(H5Aget_type(attr), H5Tclose);
  std::ostringstream os;
  os.precision(12);
  switch (H5Tget_class(type.get())) {
    case H5T_STRING: {
      Handle mem = string_type();
      char* p = nullptr;
      if (H5Tis_variable_str(type.get()) > 0 && H5Aread(attr, mem.get(), &p) >= 0 && p) {
        std::string s(p);
        H5free_memory(p);
        return s;
      }
      return "?";
    }
    case H5T_INTEGER: {
      if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        std::uint64_t v = 0;
        H5Aread(attr, H5T_NATIVE_UINT64, &v);
        os << v;
      } else {
        std::int64_t v = 0;
        H5Aread(attr, H5T_NATIVE_INT64, &v);
        os << v;
      }
      return os.str();
    }
    case H5T_FLOAT: {
      double v = 0;
      H5Aread(attr, H5T_NATIVE_DOUBLE, &v);
      os << v;
      return os.str();
    }
    default: return "?";
  }
}

herr_t collect_attribute(hid_t loc, const char* name, const H5A_info_t*, void* data) {
  auto* out = static_cast<std::vector<std::pair<std::string, std::string>>*>(data);
  Handle a(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
  if (a.get() >= 0) out->emplace_back(name, attribute_text(a.get()));
  return 0;
}

std::atomic<unsigned> file_counter{0};

}  // namespace

// ---- Writer ------------------------------------------------------------------------------------

Handle Writer::group(const std::string& path) {
  if (exists(loc_, path))  // made already (e.g. by a streamed result's first rows)
    return Handle(check(H5Gopen2(loc_, path.c_str(), H5P_DEFAULT), "open group " + path), H5Gclose);
  Handle gcpl = untimed(H5P_GROUP_CREATE);
  return Handle(check(H5Gcreate2(loc_, path.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), "create group " + path),
                H5Gclose);
}

void Writer::write_raw(const std::string& path, const std::vector<hsize_t>& shape, hid_t type, std::size_t size,
                       const void* data, bool chunked) {
  hsize_t n = 1;
  for (auto d : shape) n *= d;
  Handle space(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "dataspace " + path),
               H5Sclose);
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  if (chunked && n > 0 && !shape.empty()) {
    // Chunks of whole rows of the first axis, about 256 KiB each; a row larger than 4 MiB is
    // split along the second axis.
    hsize_t row = 1;
    for (std::size_t i = 1; i < shape.size(); ++i) row *= shape[i];
    std::vector<hsize_t> chunk(shape);
    const hsize_t rows = std::max<hsize_t>(1, (256 * 1024) / std::max<hsize_t>(1, row * size));
    chunk[0] = std::min(shape[0], rows);
    if (shape.size() > 1 && row * size > 4u * 1024 * 1024)
      chunk[1] = std::max<hsize_t>(1, shape[1] * (4u * 1024 * 1024) / (row * size));
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "chunking " + path);
    if (level_ > 0) {
      check(H5Pset_shuffle(dcpl.get()), "shuffle " + path);
      check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(level_)), "deflate " + path);
    }
  }
  Handle ds(check(H5Dcreate2(loc_, path.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                  "create dataset " + path),
            H5Dclose);
  if (n > 0) check(H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + path);
}

// ---- RowDataset ----------------------------------------------------------------------------------

RowDataset::RowDataset(hid_t loc, const std::string& path, const std::vector<hsize_t>& shape, hid_t type,
                       std::size_t element_size, int level)
    : path_(path), shape_(shape), type_(type) {
  if (shape.size() < 2) throw Hdf5Failure{"streamed dataset " + path + " needs a replicate axis and another"};
  hsize_t slice = element_size;  // bytes of one entry of the second axis
  for (std::size_t i = 2; i < shape.size(); ++i) slice *= shape[i];
  std::vector<hsize_t> chunk(shape);
  chunk[0] = 1;
  chunk_columns_ = std::clamp<hsize_t>((256 * 1024) / std::max<hsize_t>(1, slice), 1, std::max<hsize_t>(1, shape[1]));
  chunk[1] = chunk_columns_;
  for (auto& c : chunk) c = std::max<hsize_t>(1, c);
  Handle space(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), "dataspace " + path),
               H5Sclose);
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  for (auto d : shape) empty_ = empty_ || d == 0;
  if (!empty_) {  // a zero-length dimension: contiguous and empty, as Writer writes it
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "chunking " + path);
    if (level > 0) {
      check(H5Pset_shuffle(dcpl.get()), "shuffle " + path);
      check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(level)), "deflate " + path);
    }
  }
  ds_ = Handle(check(H5Dcreate2(loc, path.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                     "create dataset " + path),
               H5Dclose);
}

std::pair<Handle, Handle> RowDataset::spaces(hsize_t axis, hsize_t begin, hsize_t count) const {
  Handle file_space(check(H5Dget_space(ds_.get()), "dataspace " + path_), H5Sclose);
  std::vector<hsize_t> start(shape_.size(), 0), extent(shape_);
  start[axis] = begin;
  extent[axis] = count;
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr),
        "select " + path_);
  Handle mem(check(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr), "dataspace"), H5Sclose);
  return {std::move(mem), std::move(file_space)};
}

void RowDataset::write_rows(hsize_t first, hsize_t count, const void* data) {
  if (count == 0 || empty_) return;
  if (first + count > shape_[0]) throw Hdf5Failure{"rows beyond the end of " + path_};
  const auto [mem, file] = spaces(0, first, count);
  check(H5Dwrite(ds_.get(), type_, mem.get(), file.get(), H5P_DEFAULT, data), "write " + path_);
}

void RowDataset::read_slab(hsize_t begin, hsize_t count, void* data) const {
  if (count == 0 || empty_) return;
  const auto [mem, file] = spaces(1, begin, count);
  check(H5Dread(ds_.get(), type_, mem.get(), file.get(), H5P_DEFAULT, data), "read " + path_);
}

void Writer::strings(const std::string& path, const std::vector<std::string>& values) {
  Handle type = string_type();
  const hsize_t n = values.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), "dataspace " + path), H5Sclose);
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  Handle ds(check(H5Dcreate2(loc_, path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                  "create dataset " + path),
            H5Dclose);
  std::vector<const char*> ptrs;
  for (auto& s : values) ptrs.push_back(s.c_str());
  if (n > 0) check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "write " + path);
}

void Writer::scalar_string(const std::string& path, const std::string& value) {
  Handle type = string_type();
  Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  Handle ds(check(H5Dcreate2(loc_, path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                  "create dataset " + path),
            H5Dclose);
  const char* p = value.c_str();
  check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), "write " + path);
}

void Writer::summary(const std::string& group_path, const mc::Summary& s, const std::vector<hsize_t>& shape) {
  group(group_path);
  const bool big = s.mean.size() * sizeof(double) > 64 * 1024;
  dataset(group_path + "/mean", shape, s.mean, big);
  dataset(group_path + "/sd", shape, s.sd, big);
  dataset(group_path + "/q05", shape, s.q05, big);
  dataset(group_path + "/q50", shape, s.q50, big);
  dataset(group_path + "/q95", shape, s.q95, big);
}

void Writer::summary_table(const std::string& path, const std::vector<std::string>& names, const mc::Summary& s) {
  struct Row {
    const char* name;
    double mean, sd, q05, q50, q95;
  };
  std::vector<Row> rows;
  for (std::size_t i = 0; i < names.size(); ++i)
    rows.push_back({names[i].c_str(), s.mean[i], s.sd[i], s.q05[i], s.q50[i], s.q95[i]});
  Handle str = string_type();
  Handle type(check(H5Tcreate(H5T_COMPOUND, sizeof(Row)), "compound type"), H5Tclose);
  check(H5Tinsert(type.get(), "name", HOFFSET(Row, name), str.get()), "compound");
  check(H5Tinsert(type.get(), "mean", HOFFSET(Row, mean), H5T_NATIVE_DOUBLE), "compound");
  check(H5Tinsert(type.get(), "sd", HOFFSET(Row, sd), H5T_NATIVE_DOUBLE), "compound");
  check(H5Tinsert(type.get(), "q05", HOFFSET(Row, q05), H5T_NATIVE_DOUBLE), "compound");
  check(H5Tinsert(type.get(), "q50", HOFFSET(Row, q50), H5T_NATIVE_DOUBLE), "compound");
  check(H5Tinsert(type.get(), "q95", HOFFSET(Row, q95), H5T_NATIVE_DOUBLE), "compound");
  const hsize_t n = rows.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
  Handle dcpl = untimed(H5P_DATASET_CREATE);
  Handle ds(check(H5Dcreate2(loc_, path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                  "create dataset " + path),
            H5Dclose);
  if (n > 0) check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "write " + path);
}

void Writer::attr(const std::string& name, const std::string& value) {
  Handle type = string_type();
  Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle a(check(H5Acreate2(loc_, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "attribute " + name),
           H5Aclose);
  const char* p = value.c_str();
  check(H5Awrite(a.get(), type.get(), &p), "attribute " + name);
}

void Writer::attr_raw(const std::string& name, hid_t type, const void* value) {
  Handle space(check(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle a(check(H5Acreate2(loc_, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), "attribute " + name),
           H5Aclose);
  check(H5Awrite(a.get(), type, value), "attribute " + name);
}

void write_attributes(Writer& w, const Attributes& attributes) {
  // Not a structured binding: clang before 16 cannot capture one in a lambda.
  for (const auto& attribute : attributes)
    std::visit([&](const auto& v) { w.attr(attribute.first, v); }, attribute.second);
}

Attributes provenance(const std::string& kind, const std::string& command_line) {
  Attributes a = {{"kind", kind},
                  {"trede_version", std::string(trede::version)},
                  {"git_commit", std::string(trede::git_commit())},
                  {"created", trede::detail::utc_now()}};
  if (!command_line.empty()) a.emplace_back("command_line", command_line);
  return a;
}

Attributes scenario_attributes(const model::Scenario& s) {
  std::string overrides;
  for (std::size_t i = 0; i < s.overrides.size(); ++i) overrides += (i ? "\n" : "") + s.overrides[i];
  return {{"scenario_name", s.name},         {"scenario_path", s.source_path}, {"scenario_overrides", overrides},
          {"scenario_hash", scenario_hash(s)}, {"start_time", s.start_year},     {"horizon_years", s.horizon_years},
          {"sample_share", s.sample_share}};
}

// ---- reading -----------------------------------------------------------------------------------

Handle open_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    throw IoError(path, err == ENOENT ? "no such file" : std::string("cannot open: ") + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) throw IoError(path, "is a directory, not a trede file");
  if (::access(path.c_str(), R_OK) != 0) throw IoError(path, std::string("cannot open: ") + std::strerror(errno));
  ErrorSilencer quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path, "not an HDF5 file");
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.get() < 0) throw IoError(path, "cannot open the HDF5 file (damaged?)");
  return file;
}

bool exists(hid_t loc, const std::string& path) {
  // Each component in turn, so that a missing group is not an error.
  std::size_t pos = path.starts_with('/') ? 1 : 0;
  while (true) {
    const auto next = path.find('/', pos);
    const std::string part = path.substr(0, next);
    if (H5Lexists(loc, part.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) return true;
    pos = next + 1;
  }
}

std::vector<std::string> read_strings(hid_t loc, const std::string& path) {
  Handle ds(check(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), "open " + path), H5Dclose);
  Handle space(check(H5Dget_space(ds.get()), "dataspace " + path), H5Sclose);
  Handle file_type(check(H5Dget_type(ds.get()), "type " + path), H5Tclose);
  if (H5Tget_class(file_type.get()) != H5T_STRING) throw Hdf5Failure{path + " is not text"};
  const int rank = H5Sget_simple_extent_ndims(space.get());
  const hssize_t n = rank == 0 ? 1 : H5Sget_simple_extent_npoints(space.get());
  std::vector<char*> ptrs(static_cast<std::size_t>(n > 0 ? n : 0), nullptr);
  Handle mem = string_type();
  if (!ptrs.empty()) check(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "read " + path);
  std::vector<std::string> out;
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  if (!ptrs.empty()) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

std::string read_string_attr(hid_t loc, const char* name) {
  if (H5Aexists(loc, name) <= 0) return {};
  Handle a(check(H5Aopen(loc, name, H5P_DEFAULT), std::string("attribute ") + name), H5Aclose);
  Handle type(check(H5Aget_type(a.get()), std::string("attribute ") + name), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) return attribute_text(a.get());
  Handle mem = string_type();
  char* p = nullptr;
  check(H5Aread(a.get(), mem.get(), &p), std::string("attribute ") + name);
  std::string s = p ? p : "";
  if (p) H5free_memory(p);
  return s;
}

std::vector<std::pair<std::string, std::string>> attributes_as_text(hid_t loc) {
  std::vector<std::pair<std::string, std::string>> out;
  H5Aiterate2(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attribute, &out);
  return out;
}

// ---- writing a whole file ----------------------------------------------------------------------

std::vector<char> build_image(const std::string& path, int compression_level, const std::function<void(hid_t)>& fill) {
  if (compression_level < 0 || compression_level > 9) throw ModelError("", 0, "compression_level", "must be 0..9");
  // The file is built in memory (HDF5's core driver, no backing store) and written out with
  // plain POSIX calls: a full disk or a size limit then fails in our own code, cleanly, and
  // never leaves HDF5 holding a half-closed file.
  std::vector<char> image;
  ErrorSilencer quiet;
  try {
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    check(H5Pset_fapl_core(fapl.get(), 16u << 20, /*backing_store=*/0), "in-memory file driver");
    const std::string name = "trede-file-" + std::to_string(::getpid()) + "-" + std::to_string(file_counter.fetch_add(1));
    Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
    if (file.get() < 0) throw Hdf5Failure{"create in-memory file"};
    fill(file.get());
    check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush");
    const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
    if (size <= 0) throw Hdf5Failure{"file image size"};
    image.resize(static_cast<std::size_t>(size));
    if (H5Fget_file_image(file.get(), image.data(), image.size()) != size) throw Hdf5Failure{"file image"};
  } catch (const Hdf5Failure& f) {
    throw IoError(path, "HDF5 could not build the file (" + f.what_failed + ")");
  }
  return image;
}

void write_image(const std::string& path, const std::vector<char>& image) {
  PendingFile out(path);  // the temporary exists only while the image is written out
  out.write(image.data(), image.size());
  out.commit();
}

void write_file(const std::string& path, int compression_level, const std::function<void(hid_t)>& fill) {
  namespace fs = std::filesystem;
  // Where it goes is checked before the (possibly long) build.
  if (fs::is_directory(fs::path(path))) throw IoError(path, "is a directory");
  const fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) throw IoError(path, "directory '" + dir.string() + "' does not exist");
  write_image(path, build_image(path, compression_level, fill));
}

// ---- a file on disk ------------------------------------------------------------------------------

DiskFile::DiskFile(const std::string& path) : pending_(std::make_unique<PendingFile>(path)) {
  ErrorSilencer quiet;
  file_ = Handle(H5Fcreate(pending_->temporary().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (file_.get() < 0) throw IoError(path, "HDF5 could not create the file");
}

DiskFile::~DiskFile() {
  ErrorSilencer quiet;
  file_.reset();  // closed before the temporary is removed (PendingFile's destructor)
}

const std::string& DiskFile::path() const noexcept { return pending_->path(); }

void DiskFile::reserve(std::uint64_t bytes) {
  const std::string mb = std::to_string((bytes + 999'999) / 1'000'000) + " MB";
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && bytes > limit.rlim_cur)
    throw IoError(path(), "writing it may need up to " + mb + ", more than the file size limit (" +
                              std::to_string(limit.rlim_cur) + " bytes)");
  const int fd = ::open(pending_->temporary().c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(path(), std::string("cannot open the temporary file: ") + std::strerror(errno));
  const int rc = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(bytes));
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EOPNOTSUPP && err != ENOSYS)  // a file system without fallocate: nothing reserved
    throw IoError(path(), "writing it may need up to " + mb + " on disk: " + std::strerror(err));
}

void DiskFile::commit() {
  {
    ErrorSilencer quiet;
    if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) throw IoError(path(), "HDF5 could not write the file (flush)");
    const hid_t id = file_.release();
    if (H5Fclose(id) < 0) throw IoError(path(), "HDF5 could not write the file (close)");
  }
  // Blocks reserved beyond the end go back: growing the file by one byte and shrinking it again
  // truncates everything past its end.
  std::error_code ec;
  const auto size = std::filesystem::file_size(pending_->temporary(), ec);
  if (!ec) {
    const int fd = ::open(pending_->temporary().c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      if (::ftruncate(fd, static_cast<off_t>(size + 1)) == 0 && ::ftruncate(fd, static_cast<off_t>(size)) != 0) {
        const int err = errno;
        ::close(fd);
        throw IoError(path(), std::string("cannot set the file's size: ") + std::strerror(err));
      }
      ::close(fd);
    }
  }
  pending_->commit();
}

}  // namespace trede::io::detail
