#pragma once
// Setting and removing keys of a scenario text in place (private to libtrede; the splicing is
// model/toml_splice.hpp). This header needs no TOML library.

#include <string>
#include <utility>
#include <vector>

namespace trede::model::detail {

// `text` with the keys of `remove` removed, then the keys of `set` set to their TOML values
// (both --set style key paths), everything else byte for byte as it was.
// \throws ModelError(source, 0, key, why) for a key that cannot be set or is not a key path.
[[nodiscard]] std::string edit_text(const std::string& text, const std::string& source,
                                    const std::vector<std::pair<std::string, std::string>>& set,
                                    const std::vector<std::string>& remove);

}  // namespace trede::model::detail
