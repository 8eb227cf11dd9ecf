// Fuzzes `--set` key paths: model::parse_assignment and model::KeyPath::parse of arbitrary
// text, the documented round trips (KeyPath::parse(p.text()) == p; an assignment's text parses
// back to the same key and value), and model::numeric_key, which resolves a path in a scenario
// with regions and organisations (selectors by index, name, id and from->to).

#include "fuzz_support.hpp"
#include "trede/model/key_path.hpp"

namespace {

using trede::fuzz::fail;
using trede::model::KeyPath;

void check_round_trip(const KeyPath& p) {
  if (p.size() > KeyPath::max_segments) fail("a key path longer than max_segments was accepted", p.text());
  const std::string text = p.text();
  KeyPath again;
  try {
    again = KeyPath::parse(text);
  } catch (const trede::ModelError& e) {
    fail("KeyPath::text() does not parse back", text + "\n" + e.what());
  }
  if (!(again == p)) fail("KeyPath::parse(p.text()) != p", text + " -> " + again.text());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const trede::model::Scenario scenario = trede::fuzz::load_model("models/participatiewet/groningen.toml");
  const std::string_view text = trede::fuzz::as_text(data, size);

  trede::fuzz::expect_clean([&] {
    const trede::model::Assignment a = trede::model::parse_assignment(text);
    check_round_trip(a.key);
    const std::string canonical = a.text();
    trede::model::Assignment again;
    try {
      again = trede::model::parse_assignment(canonical);
    } catch (const trede::ModelError& e) {
      fail("Assignment::text() does not parse back", canonical + "\n" + e.what());
    }
    if (!(again.key == a.key) || again.value != a.value)
      fail("parse_assignment(a.text()) differs from a", canonical + " -> " + again.text());
  });

  KeyPath key;
  bool parsed = false;
  trede::fuzz::expect_clean([&] {
    key = KeyPath::parse(text);
    parsed = true;
  });
  if (!parsed) return 0;
  check_round_trip(key);
  trede::fuzz::expect_clean([&] {
    const trede::model::NumericKey k = trede::model::numeric_key(scenario, key);
    if (!(k.key == KeyPath::parse(k.key.text()))) fail("numeric_key's canonical key does not round-trip", k.key.text());
  });
  return 0;
}
