#include "suggest.hpp"

#include <algorithm>
#include <cctype>

namespace trede::cli {
namespace {

// How an option is written in a suggestion: "-n/--replicates", "--seed".
std::string spelled(const CLI::Option& o) {
  std::string s;
  for (const auto& n : o.get_snames()) s += (s.empty() ? "-" : "/-") + n;
  for (const auto& n : o.get_lnames()) s += (s.empty() ? "--" : "/--") + n;
  return s;
}

const CLI::App* find_subcommand(const CLI::App& app, std::string_view name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->get_name() == name) return sub;
  return nullptr;
}

// Whether `token` ("--seed", "--seed=3", "-n", "-n5") names an option of `app`.
bool known_option(const CLI::App& app, const std::string& token) {
  if (token.rfind("--", 0) == 0) {
    const std::string name = token.substr(2, token.find('=') - 2);
    for (const CLI::Option* o : app.get_options())
      for (const auto& n : o->get_lnames())
        if (n == name) return true;
    return false;
  }
  const std::string name = token.substr(1, 1);
  for (const CLI::Option* o : app.get_options())
    for (const auto& n : o->get_snames())
      if (n == name) return true;
  return false;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) best_distance = d, best = c;
  }
  return best;
}

std::vector<std::string> suggestions(const CLI::App& app, int argc, const char* const* argv) {
  std::vector<std::string> out;
  // The subcommand: the first word that is not an option.
  int first = 1;
  while (first < argc && argv[first][0] == '-') ++first;
  if (first >= argc) return out;
  const std::string word = argv[first];
  const CLI::App* sub = find_subcommand(app, word);
  if (!sub) {
    std::vector<std::string> names;
    for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(s->get_name());
    const std::string best = closest(word, names);
    if (!best.empty()) out.push_back("unknown command '" + word + "'; did you mean '" + best + "'?");
    return out;
  }
  std::vector<std::string> long_names;
  std::vector<const CLI::Option*> owners;
  for (const CLI::Option* o : sub->get_options())
    for (const auto& n : o->get_lnames()) long_names.push_back(n), owners.push_back(o);
  for (int i = first + 1; i < argc; ++i) {
    const std::string token = argv[i];
    if (token == "--") break;
    if (token.size() < 2 || token[0] != '-' || known_option(*sub, token)) continue;
    if (token[1] != '-' && std::isdigit(static_cast<unsigned char>(token[1]))) continue;  // a negative number
    const std::string name = token.substr(token.find_first_not_of('-'), token.find('=') - token.find_first_not_of('-'));
    const std::string best = closest(name, long_names);
    if (best.empty()) continue;
    const auto k = static_cast<std::size_t>(std::find(long_names.begin(), long_names.end(), best) - long_names.begin());
    out.push_back("trede " + sub->get_name() + ": unknown option '" + token + "'; did you mean '" + spelled(*owners[k]) +
                  "'?");
  }
  return out;
}

}  // namespace trede::cli
