#include "model/toml_tree.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "text.hpp"
#include "trede/error.hpp"
#include "trede/model/limits.hpp"

namespace trede::model::detail {
namespace {

// The path of the first `n` segments of `path`, as text.
std::string prefix(const KeyPath& path, std::size_t n, bool with_selector = true) {
  std::vector<KeySegment> segs(path.segments().begin(), path.segments().begin() + static_cast<std::ptrdiff_t>(n));
  if (!with_selector && !segs.empty()) segs.back().selector.reset();
  return KeyPath(std::move(segs)).text();
}

std::string index_hint(std::size_t n) {
  return n == 0 ? std::string("the array is empty")
                : "select an element of this array by its index, 0 to " + std::to_string(n - 1);
}

std::vector<std::string> keys_of(const toml::table& t) {
  std::vector<std::string> out;
  for (auto&& [k, v] : t) out.emplace_back(k.str());
  return out;
}

}  // namespace

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::optional<TextProblem> check_text_limits(std::string_view text) {
  int line = 1;
  std::size_t depth = 0, dots = 0, word = 0;
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      dots = word = 0;
      continue;
    }
    if (c == '#') {  // a comment runs to the end of the line
      while (i + 1 < n && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {  // strings: skipped, whatever they hold
      const bool basic = c == '"';
      const bool triple = i + 2 < n && text[i + 1] == c && text[i + 2] == c;
      std::size_t j = i + (triple ? 3 : 1);
      for (; j < n; ++j) {
        if (basic && text[j] == '\\') {
          if (j + 1 < n && text[j + 1] == '\n') ++line;
          ++j;
          continue;
        }
        if (text[j] == '\n') {
          if (!triple) break;  // an unterminated string: the parser reports it
          ++line;
          continue;
        }
        if (text[j] == c && (!triple || (j + 2 < n && text[j + 1] == c && text[j + 2] == c))) {
          if (triple) {
            j += 2;
            while (j + 1 < n && text[j + 1] == c) ++j;  // up to two quotes may end the content
          }
          break;
        }
      }
      i = j < n && text[j] == '\n' ? j - 1 : j;
      word = 0;
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > limits::max_nesting + 2)
        return TextProblem{line, "arrays and inline tables are nested more than " + std::to_string(limits::max_nesting) +
                                     " deep"};
      dots = word = 0;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
      dots = word = 0;
    } else if (c == '=' || c == ',') {
      dots = word = 0;
    } else if (c == '.') {
      if (++dots >= limits::max_key_segments)
        return TextProblem{line, "a dotted key or table header has more than " + std::to_string(limits::max_key_segments) +
                                     " parts"};
      word = 0;
    } else if (bare_key_char(c)) {
      if (++word > limits::max_key_bytes)
        return TextProblem{line, "a key or value of more than " + std::to_string(limits::max_key_bytes) +
                                     " characters outside quotes"};
    } else {
      word = 0;
    }
  }
  return std::nullopt;
}

toml::table parse_toml(std::string_view text, const std::string& source) {
  if (auto p = check_text_limits(text)) throw ModelError(source, p->line, "", p->message);
  try {
    return toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    throw ModelError(source, static_cast<int>(e.source().begin.line), "",
                     "TOML syntax error: " + std::string(e.description()));
  }
}

ElementLabels labels_of(const toml::node& element) {
  ElementLabels l;
  const toml::table* t = element.as_table();
  if (!t) return l;
  auto str = [&](const char* k) {
    const toml::node* n = t->get(k);
    return n && n->is_string() ? *n->value<std::string_view>() : std::string_view{};
  };
  l.name = str("name");
  l.id = str("id");
  l.from = str("from");
  l.to = str("to");
  return l;
}

namespace {

// The index of the element of `arr` that `selector` picks: for an array of tables by index, name,
// id or from->to (pick_element), for a plain array by index; nullopt and `error` otherwise.
std::optional<std::size_t> element_index(const toml::array& arr, std::string_view selector, std::string& error) {
  if (arr.is_array_of_tables())
    return pick_element(selector, arr.size(), [&](std::size_t k) { return labels_of(arr[k]); }, error);
  std::size_t idx = 0;
  const auto [p, ec] = std::from_chars(selector.data(), selector.data() + selector.size(), idx);
  if (ec != std::errc{} || p != selector.data() + selector.size() || idx >= arr.size()) {
    error = index_hint(arr.size());
    return std::nullopt;
  }
  return idx;
}

}  // namespace

const toml::table* select_element(const toml::array& arr, std::string_view selector, std::string& error) {
  const auto i = element_index(arr, selector, error);
  return i ? arr[*i].as_table() : nullptr;
}

const toml::node* find_node(const toml::table& root, const KeyPath& path, std::string& error, std::string& where) {
  const toml::node* cur = &root;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const KeySegment& seg = path[i];
    const toml::table* t = cur->as_table();
    if (!t) {
      where = prefix(path, i);
      error = std::string("is not a table (it is ") + type_name(*cur) + ")";
      return nullptr;
    }
    const toml::node* n = t->get(seg.name);
    if (!n) {
      where = prefix(path, i + 1, false);
      error = "not in the scenario" + trede::detail::did_you_mean(seg.name, keys_of(*t));
      return nullptr;
    }
    if (!seg.selector) {
      cur = n;
      continue;
    }
    where = prefix(path, i + 1);
    const toml::array* arr = n->as_array();
    if (!arr) {
      error = std::string("is not an array (it is ") + type_name(*n) + ")";
      return nullptr;
    }
    const auto idx = element_index(*arr, *seg.selector, error);
    if (!idx) return nullptr;
    cur = &(*arr)[*idx];
  }
  return cur;
}

KeyPath indexed_path(const toml::table& root, const KeyPath& path) {
  std::vector<KeySegment> out(path.segments().begin(), path.segments().end());
  // A year is one key however it is written (`2030`, `2030.0`): its shortest form.
  for (KeySegment& s : out)
    if (const auto y = year_key(s.name)) {
      char buf[32];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *y);
      if (ec == std::errc{}) s.name.assign(buf, end);
    }
  const toml::node* cur = &root;
  for (std::size_t i = 0; i < path.size() && cur; ++i) {
    const toml::table* t = cur->as_table();
    const toml::node* n = t ? t->get(path[i].name) : nullptr;
    if (!n) break;
    if (!path[i].selector) {
      cur = n;
      continue;
    }
    const toml::array* arr = n->as_array();
    if (!arr) break;
    std::string error;
    const auto idx = element_index(*arr, *path[i].selector, error);
    if (!idx) break;
    out[i].selector = std::to_string(*idx);
    cur = &(*arr)[*idx];
  }
  return KeyPath(std::move(out));
}

std::optional<double> year_key(std::string_view key) {
  double year = 0;
  const auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), year);
  if (ec != std::errc{} || p != key.data() + key.size() || key.empty() || !std::isfinite(year)) return std::nullopt;
  return year;
}

toml::table parse_value(std::string_view value, const std::string& key) {
  if (auto p = check_text_limits(value)) throw ModelError("", 0, key, p->message);
  try {
    return toml::parse("v = " + std::string(value));
  } catch (const toml::parse_error& e) {
    // A word that starts like a number and is not one is a mistake, not a string.
    std::size_t i = !value.empty() && (value[0] == '+' || value[0] == '-') ? 1 : 0;
    if (i < value.size() && (std::isdigit(static_cast<unsigned char>(value[i])) || value[i] == '.')) {
      const std::string s(value);
      errno = 0;
      const double v = std::strtod(s.c_str(), nullptr);
      if (errno == ERANGE && std::fabs(v) > 1.0)
        throw ModelError("", 0, key, "'" + s + "' is out of range: numbers must be finite (at most about 1.8e308)");
      throw ModelError("", 0, key, "'" + s + "' is not a number (" + std::string(e.description()) + ")");
    }
    toml::table t;
    t.insert("v", std::string(value));
    return t;
  }
}

std::vector<const toml::node*> apply_assignment(toml::table& root, const Assignment& a) {
  const KeyPath& path = a.key;
  toml::table parsed = parse_value(a.value, path.text());
  std::vector<const toml::node*> touched;
  toml::table* cur = &root;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const KeySegment& seg = path[i];
    const bool last = i + 1 == path.size();
    if (seg.selector) {
      toml::node* n = cur->get(seg.name);
      if (!n)
        throw ModelError("", 0, prefix(path, i + 1, false),
                         "no array of tables '" + seg.name + "' in the scenario" +
                             trede::detail::did_you_mean(seg.name, keys_of(*cur)));
      const std::string where = prefix(path, i + 1);
      toml::array* arr = n->as_array();
      if (!arr) throw ModelError("", 0, where, std::string("is not an array (it is ") + type_name(*n) + ")");
      if (arr->is_array_of_tables()) {
        std::string error;
        toml::table* el = const_cast<toml::table*>(select_element(*arr, *seg.selector, error));
        if (!el) throw ModelError("", 0, where, error);
        if (last) throw ModelError("", 0, where, "cannot replace a whole element; set one of its keys");
        cur = el;
        continue;
      }
      if (!last) throw ModelError("", 0, where, "is an array of values, not of tables");
      std::string error;
      const auto idx = element_index(*arr, *seg.selector, error);
      if (!idx) throw ModelError("", 0, where, error);
      arr->replace(arr->cbegin() + static_cast<std::ptrdiff_t>(*idx), parsed["v"]);
      touched.push_back(&(*arr)[*idx]);
      return touched;
    }
    if (last) {
      // A year given as 2030 replaces an entry written 2030.0: the same year.
      std::string key = seg.name;
      if (auto y = year_key(key))
        for (auto&& [k, v] : *cur)
          if (auto ky = year_key(k.str()); ky && *ky == *y) key = std::string(k.str());
      auto [it, inserted] = cur->insert_or_assign(key, parsed["v"]);
      (void)inserted;
      touched.push_back(&it->second);
      return touched;
    }
    toml::node* child = cur->get(seg.name);
    if (!child) {
      auto [it, inserted] = cur->insert(seg.name, toml::table{});
      (void)inserted;
      child = &it->second;
      touched.push_back(child);
    }
    if (child->is_array_of_tables())
      throw ModelError("", 0, prefix(path, i + 1),
                       "is an array of tables: select one element, e.g. " + KeyPath({{seg.name, "0"}}).text());
    if (!child->is_table())
      throw ModelError("", 0, prefix(path, i + 1), std::string("is not a table (it is ") + type_name(*child) + ")");
    cur = child->as_table();
  }
  return touched;
}

}  // namespace trede::model::detail
