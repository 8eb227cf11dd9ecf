#include "text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace trede::detail {

std::string_view trim(std::string_view s) noexcept {
  const auto b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string_view::npos ? std::string_view{} : s.substr(b, e - b + 1);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1u : 0u)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string read_file(const std::string& path, std::string& out) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (st.type() == std::filesystem::file_type::not_found) return "no such file";
  if (st.type() == std::filesystem::file_type::directory) return "is a directory, not a file";
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == EACCES || err == EPERM) return "permission denied";
    return err != 0 ? std::string(std::strerror(err)) : std::string("cannot be opened");
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return "cannot be read";
  out = std::move(buf).str();
  return {};
}

bool split_csv(std::string_view line, std::vector<std::string>& out, char delimiter) {
  out.clear();
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"' && cur.find_first_not_of(" \t") == std::string::npos) {
      quoted = true;
      cur.clear();
    } else if (c == delimiter) {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (quoted) return false;
  out.push_back(std::move(cur));
  for (auto& f : out) f = std::string(trim(f));
  return true;
}

CsvReader::CsvReader(std::string_view text) : text_(text) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);  // UTF-8 byte-order mark (Excel)
}

bool CsvReader::next_line(std::string_view& out) {
  while (pos_ < text_.size()) {
    const auto end = text_.find('\n', pos_);
    out = text_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    ++line_;
    const std::string_view t = trim(out);
    if (t.empty() || t.front() == '#') continue;
    return true;
  }
  return false;
}

bool CsvReader::read_header(std::string& error) {
  std::string_view l;
  if (!next_line(l)) return false;
  // Excel's "sep=;" line names the delimiter.
  if (const std::string_view t = trim(l); t.size() == 5 && t.substr(0, 4) == "sep=") {
    delimiter_ = t[4];
    if (!next_line(l)) return false;
  } else {
    std::string found;
    bool quoted = false;
    for (char c : l) {
      if (c == '"') quoted = !quoted;
      else if (!quoted && (c == ',' || c == ';' || c == '\t') && found.find(c) == std::string::npos) found += c;
    }
    if (found.size() > 1) {
      std::string names;
      for (char c : found) names += std::string(names.empty() ? "" : " and ") + (c == '\t' ? "a tab" : "'" + std::string(1, c) + "'");
      error = "the header has " + names + " outside quotes: cannot tell which separates the columns; use one of them";
      header_line_ = line_;
      return true;
    }
    if (found.size() == 1) delimiter_ = found[0];
  }
  header_line_ = line_;
  if (!split_csv(l, header_, delimiter_)) error = "unterminated quote in the header";
  return true;
}

std::optional<std::size_t> CsvReader::column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> CsvReader::header_problems() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i].empty()) out.emplace_back("", "column " + std::to_string(i + 1) + " of the header has no name");
    else if (column(header_[i]) != i) out.emplace_back(header_[i], "column named twice in the header");
  }
  return out;
}

bool CsvReader::next(std::vector<std::string>& fields, int& line, bool& ok) {
  std::string_view l;
  if (!next_line(l)) return false;
  line = line_;
  ok = split_csv(l, fields, delimiter_);
  return true;
}

std::optional<double> CsvReader::number(std::string_view field, int line, std::string& why) {
  why.clear();
  const bool comma = field.find(',') != std::string_view::npos, point = field.find('.') != std::string_view::npos;
  if (!comma) {
    auto v = parse_finite(field);
    if (v && point) {
      if (comma_line_ > 0) {
        why = "'" + std::string(field) + "' has a decimal point, but line " + std::to_string(comma_line_) +
              " has a decimal comma ('" + comma_example_ + "'): a file must use one decimal separator";
        return std::nullopt;
      }
      // "1.234" (a non-zero group of 1-3 digits, then groups of 3) may be a thousands separator.
      const auto dot = field.find('.');
      const std::string_view whole = field.substr(field[0] == '-' || field[0] == '+' ? 1 : 0);
      const auto lead = whole.find('.');
      const bool grouping = lead >= 1 && lead <= 3 && whole[0] != '0' && field.size() - dot - 1 == 3 &&
                            field.find_first_not_of("+-0123456789.") == std::string_view::npos;
      int& first = grouping ? grouping_line_ : point_line_;
      if (first == 0) first = line, (grouping ? grouping_example_ : point_example_) = std::string(field);
    }
    return v;
  }
  if (delimiter_ == ',') return std::nullopt;  // a comma inside quotes: no decimal separator in a comma file
  if (point) {
    why = "'" + std::string(field) + "' has both '.' and ','; write numbers without a thousands separator";
    return std::nullopt;
  }
  if (point_line_ > 0 || grouping_line_ > 0) {
    const int l = point_line_ > 0 ? point_line_ : grouping_line_;
    why = "'" + std::string(field) + "' has a decimal comma, but line " + std::to_string(l) + " has a decimal point ('" +
          (point_line_ > 0 ? point_example_ : grouping_example_) + "'): a file must use one decimal separator";
    return std::nullopt;
  }
  std::string s(field);
  std::replace(s.begin(), s.end(), ',', '.');
  auto v = parse_finite(s);
  if (v && comma_line_ == 0) comma_line_ = line, comma_example_ = std::string(field);
  return v;
}

std::optional<std::pair<int, std::string>> CsvReader::finish() const {
  // Separated by ';' or a tab, with no decimal comma and no number that is plainly decimal: the
  // points may be thousands separators.
  if (delimiter_ != ',' && grouping_line_ > 0 && point_line_ == 0 && comma_line_ == 0)
    return std::pair<int, std::string>{
        grouping_line_, "'" + grouping_example_ + "' in a file separated by '" +
                            (delimiter_ == '\t' ? std::string("tab") : std::string(1, delimiter_)) +
                            "' may be " + grouping_example_ + " or a whole number with a thousands separator; write "
                            "it without the thousands separator (or with a decimal comma)"};
  return std::nullopt;
}

std::optional<double> parse_finite(std::string_view s) {
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  double v = 0;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc{} || p != e || b == e || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string shortest_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace trede::detail
