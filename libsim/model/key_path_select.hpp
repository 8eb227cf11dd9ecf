#pragma once
// The one selection rule of key paths (private to libtrede): which element of a list a
// selector such as [3], [beschut_werk], [my_id] or [bijstand->diagnose] picks. Used on TOML
// arrays of tables (--set, write-back) and on the lists of a loaded Scenario (numeric keys), so
// both answer the same.

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text.hpp"

namespace trede::model::detail {

// What an element can be selected by ("" when it has no such key).
struct ElementLabels {
  std::string_view name, id, from, to;
};

// The index of the element `selector` picks among `n` elements (`labels_of(i)` gives element
// i's labels): a decimal selector is an index; otherwise the element whose name or id equals
// it; otherwise the one whose "from->to" equals it (an error when several share that pair).
// nullopt with `error` set (with a suggestion) when it picks nothing.
template <class LabelsOf>
std::optional<std::size_t> pick_element(std::string_view selector, std::size_t n, LabelsOf labels_of,
                                        std::string& error) {
  std::size_t idx = 0;
  const auto [p, ec] = std::from_chars(selector.data(), selector.data() + selector.size(), idx);
  if (ec == std::errc{} && p == selector.data() + selector.size() && !selector.empty()) {
    if (idx < n) return idx;
    error = "no element '" + std::string(selector) + "' (there " +
            (n == 1 ? std::string("is 1") : "are " + std::to_string(n)) + ", counted from 0)";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const ElementLabels l = labels_of(i);
    if ((!l.name.empty() && l.name == selector) || (!l.id.empty() && l.id == selector)) return i;
  }
  std::vector<std::size_t> pairs;
  for (std::size_t i = 0; i < n; ++i) {
    const ElementLabels l = labels_of(i);
    if (!l.from.empty() && selector.size() == l.from.size() + 2 + l.to.size() && selector.substr(0, l.from.size()) == l.from &&
        selector.substr(l.from.size(), 2) == "->" && selector.substr(l.from.size() + 2) == l.to)
      pairs.push_back(i);
  }
  if (pairs.size() == 1) return pairs.front();
  if (pairs.size() > 1) {
    error = std::to_string(pairs.size()) + " elements lead from " + std::string(labels_of(pairs[0]).from) + " to " +
            std::string(labels_of(pairs[0]).to) + "; select one by id or index:";
    for (std::size_t i : pairs) {
      const ElementLabels l = labels_of(i);
      error += " [" + (l.id.empty() ? std::to_string(i) : std::string(l.id)) + "]";
    }
    return std::nullopt;
  }
  std::vector<std::string> known;
  for (std::size_t i = 0; i < n; ++i) {
    const ElementLabels l = labels_of(i);
    if (!l.name.empty()) known.emplace_back(l.name);
    if (!l.id.empty()) known.emplace_back(l.id);
    if (!l.from.empty() && !l.to.empty()) known.push_back(std::string(l.from) + "->" + std::string(l.to));
  }
  const std::string hint = trede::detail::did_you_mean(selector, known);
  error = "no element '" + std::string(selector) + "'" +
          (hint.empty() ? std::string(" (select by index, name, id or from->to)") : hint);
  return std::nullopt;
}

}  // namespace trede::model::detail
