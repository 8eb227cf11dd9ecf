#pragma once
// Editing a scenario's text in place (private to libtrede): values are spliced into the text at
// the source positions toml++ reports for the node a KeyPath selects, so comments, key order,
// blank lines and every value not edited stay byte for byte as they were. Used to write fitted
// values back into a scenario (calib::apply_edits) and to derive scenario texts.

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "trede/model/key_path.hpp"

namespace trede::model::detail {

class TextEditor {
 public:
  // \throws ModelError(source, line, ...) when `text` is not valid TOML.
  TextEditor(std::string text, std::string source);

  // Sets `key` to the TOML value text `value`: an existing value is replaced where it stands (a
  // value spanning several lines is replaced whole); a missing key is added to its table (a new
  // line after the table's last key, or an entry of an inline table; missing tables on the way
  // become inline tables). A non-empty `comment` goes at the end of the line, before any comment
  // already there ("# comment | old comment"). Returns "" or why it cannot.
  std::string set(const KeyPath& key, std::string_view value, std::string_view comment);

  // Removes `key` (its lines, or its entry in an inline table); nothing when it is absent.
  void remove(const KeyPath& key);

  // Puts `block` at the top as comment lines ("# ..."), followed by a blank line.
  void prepend_comment(std::string_view block);

  // True when the text names a base file (`extends`): keys it lacks may be defined there.
  [[nodiscard]] bool has_extends() const { return root_.contains("extends"); }

  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  void reparse();
  [[nodiscard]] std::size_t offset(const toml::source_position& p) const;
  [[nodiscard]] std::size_t line_end(std::size_t pos) const;
  [[nodiscard]] std::size_t line_begin(std::size_t pos) const;
  void splice(std::size_t begin, std::size_t end, std::string_view with);
  void comment_line(std::size_t statement_end, std::string_view comment);
  [[nodiscard]] std::size_t statement_end(const KeyPath& key, std::size_t upto) const;
  [[nodiscard]] std::size_t insertion_point(const toml::table& t) const;

  std::string text_, source_;
  toml::table root_;
  std::vector<std::size_t> line_start_;
};

}  // namespace trede::model::detail
