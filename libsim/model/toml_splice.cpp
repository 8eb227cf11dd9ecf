#include "model/toml_splice.hpp"

#include <algorithm>

#include "model/text_edit.hpp"
#include "model/toml_tree.hpp"
#include "trede/error.hpp"
#include "text.hpp"

namespace trede::model::detail {
namespace {

// The key text of one segment as TOML writes it.
std::string key_text(const std::string& name) { return KeyPath({{name, std::nullopt}}).text(); }

KeyPath first(const KeyPath& key, std::size_t n) {
  return KeyPath(std::vector<KeySegment>(key.segments().begin(), key.segments().begin() + static_cast<std::ptrdiff_t>(n)));
}

// An array written as [[name]] tables (not an inline array of inline tables).
bool header_array(const toml::node& n) {
  const toml::array* a = n.as_array();
  return a && !a->empty() && (*a)[0].is_table() && !(*a)[0].as_table()->is_inline();
}

}  // namespace

TextEditor::TextEditor(std::string text, std::string source) : text_(std::move(text)), source_(std::move(source)) {
  reparse();
}

void TextEditor::reparse() {
  root_ = parse_toml(text_, source_);
  line_start_.assign(1, 0);
  for (std::size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_start_.push_back(i + 1);
}

// toml++ counts columns in code points: walk that many UTF-8 sequences from the line start.
std::size_t TextEditor::offset(const toml::source_position& p) const {
  std::size_t i = line_start_.at(p.line - 1);
  for (std::size_t c = 1; c < p.column && i < text_.size(); ++c) {
    ++i;
    while (i < text_.size() && (static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

std::size_t TextEditor::line_end(std::size_t pos) const {
  const auto nl = text_.find('\n', pos);
  return nl == std::string::npos ? text_.size() : nl;
}

std::size_t TextEditor::line_begin(std::size_t pos) const {
  const auto nl = pos == 0 ? std::string::npos : text_.rfind('\n', pos - 1);
  return nl == std::string::npos ? 0 : nl + 1;
}

void TextEditor::splice(std::size_t begin, std::size_t end, std::string_view with) {
  text_.replace(begin, end - begin, with);
}

// The end of the key/value statement that holds `key`: the first node on the path that is a
// value of a [table] (not a table with its own header, nor an array of [[tables]]).
std::size_t TextEditor::statement_end(const KeyPath& key, std::size_t upto) const {
  for (std::size_t i = 1; i <= upto; ++i) {
    std::string error, where;
    const toml::node* n = find_node(root_, first(key, i), error, where);
    if (!n) break;
    const toml::table* t = n->as_table();
    if ((t && t->is_inline()) || (!t && !header_array(*n)) || i == upto) return offset(n->source().end);
  }
  return std::string::npos;
}

void TextEditor::comment_line(std::size_t statement_end, std::string_view comment) {
  if (comment.empty() || statement_end == std::string::npos) return;
  const std::size_t le = line_end(statement_end);
  const std::string_view rest = trede::detail::trim(std::string_view(text_).substr(statement_end, le - statement_end));
  std::string note = "  # " + std::string(comment);
  if (!rest.empty() && rest.front() == '#') {
    const std::string_view old = trede::detail::trim(rest.substr(1));
    if (!old.empty()) note += " | " + std::string(old);
  }
  splice(statement_end, le, note);
}

// Where a new `key = value` line of the (header or top-level) table `t` goes: after the last
// line of its own statements, else after its header, else (the top level) before the first header.
std::size_t TextEditor::insertion_point(const toml::table& t) const {
  std::size_t last = std::string::npos, first_header = std::string::npos;
  const auto visit = [&](const toml::table& tb, const auto& self) -> void {
    for (auto&& [k, v] : tb) {
      const std::size_t b = offset(v.source().begin);
      if (const toml::table* ct = v.as_table(); ct && !ct->is_inline()) {
        if (b < text_.size() && text_[b] == '[') first_header = std::min(first_header, b);
        else self(*ct, self);  // a table of dotted keys: its values are statements of `tb`
        continue;
      }
      if (header_array(v)) {
        first_header = std::min(first_header, offset((*v.as_array())[0].source().begin));
        continue;
      }
      const std::size_t e = offset(v.source().end);
      last = last == std::string::npos ? e : std::max(last, e);
    }
  };
  visit(t, visit);
  if (last != std::string::npos) return std::min(text_.size(), line_end(last) + 1);
  if (&t != &root_) return std::min(text_.size(), line_end(offset(t.source().begin)) + 1);
  return first_header == std::string::npos ? text_.size() : line_begin(first_header);
}

std::string TextEditor::set(const KeyPath& key, std::string_view value, std::string_view comment) {
  std::string error, where;
  if (const toml::node* node = find_node(root_, key, error, where)) {
    if (const toml::table* t = node->as_table(); t && !t->is_inline())
      return "is a table with its own [header]; set its keys one by one";
    if (header_array(*node)) return "is an array of [[tables]]; set the keys of one element";
    splice(offset(node->source().begin), offset(node->source().end), value);
    reparse();
    comment_line(statement_end(key, key.size()), comment);
    reparse();
    return "";
  }
  // The longest part of the path that exists.
  std::size_t have = 0;
  const toml::node* parent = &root_;
  for (std::size_t i = 1; i < key.size(); ++i) {
    std::string e2, w2;
    const toml::node* n = find_node(root_, first(key, i), e2, w2);
    if (!n) break;
    parent = n;
    have = i;
  }
  const KeySegment& missing = key[have];
  const toml::table* t = parent->as_table();
  if (missing.selector) {
    if (!t || !t->contains(missing.name)) return "no [[" + missing.name + "]] tables in this file";
    std::string hint = error.find("did you mean") != std::string::npos ? error.substr(error.find(" (did you mean")) : "";
    if (error.rfind("no element", 0) != 0) hint = "; " + error;
    return "no [[" + missing.name + "]] element '" + *missing.selector + "' in this file" + hint;
  }
  if (!t) return "'" + first(key, have).text() + "' is not a table";
  for (std::size_t j = have + 1; j < key.size(); ++j)
    if (key[j].selector) return "no [[" + key[j].name + "]] tables in this file";
  // The missing key, with any missing tables below it as inline tables.
  std::string v(value);
  for (std::size_t j = key.size() - 1; j > have; --j) v = "{ " + key_text(key[j].name) + " = " + v + " }";
  const std::string entry = key_text(missing.name) + " = " + v;
  if (t->is_inline()) {
    const std::size_t open = offset(t->source().begin), close = offset(t->source().end) - 1;
    if (trede::detail::trim(std::string_view(text_).substr(open + 1, close - open - 1)).empty()) {
      splice(open, close + 1, "{ " + entry + " }");
    } else {
      std::size_t at = close;
      while (at > open + 1 && (text_[at - 1] == ' ' || text_[at - 1] == '\t')) --at;
      splice(at, at, ", " + entry);
    }
    reparse();
    comment_line(statement_end(key, key.size()), comment);
  } else {
    const std::size_t at = insertion_point(*t);
    const bool newline_first = at == text_.size() && !text_.empty() && text_.back() != '\n';
    splice(at, at,
           (newline_first ? "\n" : "") + entry + (comment.empty() ? "" : "  # " + std::string(comment)) + "\n");
  }
  reparse();
  return "";
}

void TextEditor::remove(const KeyPath& key) {
  std::string error, where;
  const toml::node* node = find_node(root_, key, error, where);
  if (!node || key.size() == 0 || key.segments().back().selector) return;
  std::string e2, w2;
  const toml::node* parent = key.size() == 1 ? &root_ : find_node(root_, first(key, key.size() - 1), e2, w2);
  const toml::table* pt = parent ? parent->as_table() : nullptr;
  if (!pt) return;
  if (!pt->is_inline()) {  // whole lines, from the key's line to the value's last line
    const std::size_t b = line_begin(offset(node->source().begin));
    const std::size_t e = std::min(text_.size(), line_end(offset(node->source().end)) + 1);
    splice(b, e, "");
    reparse();
    return;
  }
  for (auto&& [k, v] : *pt) {
    if (&v != node) continue;
    std::size_t b = offset(k.source().begin), e = offset(v.source().end);
    std::size_t after = e;
    while (after < text_.size() && (text_[after] == ' ' || text_[after] == '\t')) ++after;
    if (after < text_.size() && text_[after] == ',') {
      e = after + 1;
      while (e < text_.size() && (text_[e] == ' ' || text_[e] == '\t')) ++e;
    } else {
      std::size_t before = b;
      while (before > 0 && (text_[before - 1] == ' ' || text_[before - 1] == '\t')) --before;
      if (before > 0 && text_[before - 1] == ',') b = before - 1;
    }
    splice(b, e, "");
    reparse();
    return;
  }
}

void TextEditor::prepend_comment(std::string_view block) {
  std::string add;
  std::size_t pos = 0;
  while (pos < block.size()) {
    const auto nl = block.find('\n', pos);
    const std::string_view l = block.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    add += l.empty() ? "#\n" : "# " + std::string(l) + "\n";
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  text_ = add + "\n" + text_;
  reparse();
}

std::string edit_text(const std::string& text, const std::string& source,
                      const std::vector<std::pair<std::string, std::string>>& set, const std::vector<std::string>& remove) {
  TextEditor ed(text, source);
  for (const auto& k : remove) ed.remove(KeyPath::parse(k));
  for (const auto& [k, v] : set) {
    const std::string err = ed.set(KeyPath::parse(k), v, "");
    if (!err.empty()) throw ModelError(source, 0, k, err);
  }
  return ed.text();
}

}  // namespace trede::model::detail
