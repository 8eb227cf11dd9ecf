// Key paths: parsing and printing, --set assignments, domains. The typed numeric keys are in
// numeric_key.cpp and with_values.cpp.

#include "trede/model/key_path.hpp"

#include <algorithm>

#include "model/numeric_rules.hpp"
#include "model/toml_tree.hpp"
#include "text.hpp"
#include "trede/error.hpp"
#include "trede/model/limits.hpp"

namespace trede::model {
namespace {

bool bare(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), detail::bare_key_char); }

std::string quote_key(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

[[noreturn]] void bad_path(std::string_view text, const std::string& message) {
  throw ModelError("", 0, std::string(text), message);
}

// A quoted key or selector starting at text[i] == '"': its content; i moves past the quote.
std::string read_quoted(std::string_view text, std::size_t& i) {
  std::string out;
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      out += text[++i];
    } else if (text[i] == '"') {
      ++i;
      return out;
    } else {
      out += text[i];
    }
  }
  bad_path(text, "unterminated quote");
}

}  // namespace

KeyPath KeyPath::parse(std::string_view text) {
  const std::string_view t = trede::detail::trim(text);
  if (t.empty()) bad_path(text, "empty key");
  std::vector<KeySegment> segs;
  std::size_t i = 0;
  const auto col = [&] { return " at column " + std::to_string(i + 1); };
  for (;;) {
    KeySegment seg;
    if (t[i] == '"') {
      seg.name = read_quoted(t, i);
    } else {
      const std::size_t b = i;
      while (i < t.size() && detail::bare_key_char(t[i])) ++i;
      seg.name = std::string(t.substr(b, i - b));
      if (seg.name.empty())
        bad_path(t, "expected a key" + col() + " (got '" + std::string(1, t[i]) +
                        "'); keys are letters, digits, '_' and '-', or quoted with \"");
    }
    if (i < t.size() && t[i] == '[') {
      ++i;
      std::string sel;
      if (i < t.size() && t[i] == '"') {
        sel = read_quoted(t, i);
        if (i >= t.size() || t[i] != ']') bad_path(t, "expected ']'" + col());
      } else {
        const auto close = t.find(']', i);
        if (close == std::string_view::npos) bad_path(t, "unterminated [" + col());
        sel = std::string(trede::detail::trim(t.substr(i, close - i)));
        i = close;
      }
      if (sel.empty()) bad_path(t, "empty selector []" + col() + "; give an index, a name, an id or from->to");
      ++i;
      seg.selector = std::move(sel);
    }
    if (seg.name.size() > limits::max_key_bytes || (seg.selector && seg.selector->size() > limits::max_key_bytes))
      bad_path(t.substr(0, 64), "a key or selector longer than " + std::to_string(limits::max_key_bytes) + " characters");
    segs.push_back(std::move(seg));
    if (segs.size() > max_segments)
      bad_path(t.substr(0, 64), "more than " + std::to_string(max_segments) + " segments");
    if (i == t.size()) break;
    if (t[i] != '.') bad_path(t, "expected '.' or '['" + col() + " (got '" + std::string(1, t[i]) + "')");
    if (++i == t.size()) bad_path(t, "ends with '.'");
  }
  return KeyPath(std::move(segs));
}

std::string KeyPath::text() const {
  std::string out;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const KeySegment& s = segments_[i];
    if (i) out += '.';
    out += bare(s.name) ? s.name : quote_key(s.name);
    if (s.selector) {
      // A '[' is quoted too: parse_assignment counts brackets to find the '=' that ends the key.
      const bool plain = s.selector->find_first_of("[]\"") == std::string::npos &&
                         trede::detail::trim(*s.selector) == *s.selector && !s.selector->empty();
      out += "[" + (plain ? *s.selector : quote_key(*s.selector)) + "]";
    }
  }
  return out;
}

std::string Assignment::text() const { return key.text() + "=" + value; }

Assignment parse_assignment(std::string_view text) {
  // The first '=' outside brackets and quotes ends the key.
  std::size_t eq = std::string_view::npos;
  bool in_quote = false;
  int depth = 0;
  for (std::size_t i = 0; i < text.size() && eq == std::string_view::npos; ++i) {
    const char c = text[i];
    if (in_quote) {
      if (c == '\\') ++i;
      else if (c == '"') in_quote = false;
    } else if (c == '"') {
      in_quote = true;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      --depth;
    } else if (c == '=' && depth == 0) {
      eq = i;
    }
  }
  if (eq == std::string_view::npos || trede::detail::trim(text.substr(0, eq)).empty())
    throw ModelError("", 0, "", "must be key=value, e.g. horizon_years=20 or state[beschut_werk].capacity=3000");
  Assignment a;
  a.key = KeyPath::parse(text.substr(0, eq));
  a.value = std::string(trede::detail::trim(text.substr(eq + 1)));
  return a;
}

const char* to_string(Domain d) noexcept {
  switch (d) {
    case Domain::real: return "real";
    case Domain::positive: return "positive";
    case Domain::non_negative: return "non-negative";
    case Domain::probability: return "probability";
    case Domain::whole: return "whole number";
    case Domain::calendar_year: return "calendar year";
  }
  return "?";
}

bool NumericKey::accepts(double v) const noexcept { return detail::in_range(domain, min, max, v); }

}  // namespace trede::model
