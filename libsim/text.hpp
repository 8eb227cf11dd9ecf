#pragma once
// Small text helpers shared inside libtrede: blanks, "did you mean" suggestions, reading whole
// files with a reason when they cannot be read, CSV fields, numbers, timestamps. Each concept
// has its one implementation here; the loaders and readers call these.

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trede::detail {

// `s` without blanks (space, tab, carriage return) at either end.
std::string_view trim(std::string_view s) noexcept;

// Levenshtein distance: the fewest one-character insertions, deletions and substitutions that
// turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

// " (did you mean 'x'?)" for the candidate closest to `got` when it is close enough (at most
// max(2, |got| / 3) edits away), else "". Ties go to the first candidate. The one suggestion
// rule of the library: unknown keys, states, columns, levels, selectors.
template <class Range>
std::string did_you_mean(std::string_view got, const Range& candidates) {
  std::string_view best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::string_view v(c);
    if (v == got) continue;
    const std::size_t d = edit_distance(got, v);
    if (d < best_d) best_d = d, best = v;
  }
  const std::size_t limit = got.size() / 3 > 2 ? got.size() / 3 : 2;
  return best_d <= limit ? " (did you mean '" + std::string(best) + "'?)" : std::string{};
}

// Reads the whole file at `path` into `out`. Returns "" on success, otherwise why it cannot be
// read, in words a user acts on: "no such file", "permission denied", "is a directory", or the
// system's message.
std::string read_file(const std::string& path, std::string& out);

// Splits one CSV line into `out`; a field may be double-quoted ("" inside quotes is a quote),
// blanks around unquoted fields are trimmed and a trailing '\r' is dropped. Returns false on an
// unterminated quote.
bool split_csv(std::string_view line, std::vector<std::string>& out, char delimiter = ',');

// One CSV file as the library reads it (population files, calibration data). Made for files
// written by spreadsheets, Dutch Excel included:
//   - a UTF-8 byte-order mark is dropped;
//   - blank lines and lines starting with '#' are skipped (line numbers still count them);
//   - the delimiter is ',', ';' or a tab, detected from the header (the first line that is
//     not skipped), or given by an Excel "sep=;" first line; a header with two of them outside
//     quotes is ambiguous and an error;
//   - fields may be double-quoted (split_csv);
//   - numbers use one decimal separator per file: '.' always, or ',' in a file not separated by
//     ','. A file with both is an error naming both lines; a file separated by ';' or a tab
//     whose only decimal points look like thousands separators ("1.234") is ambiguous, an error
//     (finish()).
class CsvReader {
 public:
  explicit CsvReader(std::string_view text);

  // Reads the header line and detects the delimiter. False when the file has no header (only
  // blank and comment lines); `error` says what is wrong when it cannot be split.
  bool read_header(std::string& error);
  [[nodiscard]] const std::vector<std::string>& header() const noexcept { return header_; }
  [[nodiscard]] int header_line() const noexcept { return header_line_; }
  [[nodiscard]] char delimiter() const noexcept { return delimiter_; }
  // The first column called `name`, or nullopt.
  [[nodiscard]] std::optional<std::size_t> column(std::string_view name) const;
  // Problems of the header, as (column name, message): empty names and names given twice.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> header_problems() const;

  // The next data row into `fields` with its line number; false at the end of the file.
  // `ok` is false for a row with an unterminated quote.
  bool next(std::vector<std::string>& fields, int& line, bool& ok);
  // The number of the last line read.
  [[nodiscard]] int line() const noexcept { return line_; }

  // `field` (of row `line`) as a finite number with the file's decimal separator; nullopt when
  // it is not one, with `why` set when the reason is the decimal separator (mixed in the file,
  // or both '.' and ',' in one number).
  std::optional<double> number(std::string_view field, int line, std::string& why);
  // After the last row: the line and message of an ambiguity of the whole file, or nullopt.
  [[nodiscard]] std::optional<std::pair<int, std::string>> finish() const;

 private:
  bool next_line(std::string_view& out);

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 0;
  char delimiter_ = ',';
  std::vector<std::string> header_;
  int header_line_ = 0;
  int comma_line_ = 0, point_line_ = 0, grouping_line_ = 0;  // first line of each kind of number
  std::string comma_example_, point_example_, grouping_example_;
};

// The whole of `s` as a finite number (an optional leading '+'); nullopt otherwise.
std::optional<double> parse_finite(std::string_view s);

// Shortest text that reads back as exactly `v` ("0.5", "3", "1e+20"), valid as a TOML number
// for finite `v`.
std::string shortest_number(double v);

// Now as ISO 8601 UTC, e.g. "2026-11-23T01:23:09Z" (provenance attributes and comments).
std::string utc_now();

}  // namespace trede::detail
