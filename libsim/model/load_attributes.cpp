// [attributes.<name>] and [exit_age].

#include <algorithm>
#include <set>

#include "model/loader.hpp"

namespace trede::model::detail {

void Loader::read_attributes(const TableReader& top) {
  const toml::table* t = top.subtable("attributes");
  if (!t) return;
  for (auto&& [k, v] : *t) {
    const std::string key = "attributes." + std::string(k.str());
    if (!v.is_table()) {
      ctx_.error(v, key, std::string("must be a table such as { type = \"number\" } (got ") + type_name(v) + ")");
      continue;
    }
    TableReader r(ctx_, *v.as_table(), key, {"type", "levels", "default", "center", "counts"});
    Attribute a;
    a.name = std::string(k.str());
    if (!valid_identifier(a.name)) ctx_.error(v, key, "attribute names are letters, digits, '_' or '-'");
    const auto type = r.choice("type", {"number", "category", "age", "count"}, true).value_or("number");
    a.kind = type == "category" ? AttributeKind::category
             : type == "age"    ? AttributeKind::age
             : type == "count"  ? AttributeKind::count
                                : AttributeKind::number;
    if (a.kind == AttributeKind::category) {
      auto levels = r.strings("levels");
      if (!levels || levels->empty()) {
        if (!r.has("levels") || levels) ctx_.error(v, r.key("levels"), "a category needs a non-empty list of levels");
      } else {
        a.levels = *levels;
        std::set<std::string> uniq(levels->begin(), levels->end());
        if (uniq.size() != levels->size()) ctx_.error(*r.node("levels"), r.key("levels"), "levels must be distinct");
      }
      if (const toml::node* d = r.node("default")) {
        if (!d->is_string()) {
          ctx_.error(*d, r.key("default"), "must be one of the levels (a string)");
        } else {
          const auto lv = std::string(*d->value<std::string_view>());
          auto it = std::find(a.levels.begin(), a.levels.end(), lv);
          if (it == a.levels.end()) ctx_.error(*d, r.key("default"), "'" + lv + "' is not one of the levels");
          else a.default_value = static_cast<double>(it - a.levels.begin());
        }
      }
      if (r.has("center")) ctx_.error(*r.node("center"), r.key("center"), "not used for a category");
    } else {
      if (r.has("levels")) ctx_.error(*r.node("levels"), r.key("levels"), "only used with type = \"category\"");
      a.default_value = r.ranged("default", rule_of("attributes", "default"));
      if ((a.kind == AttributeKind::count || a.kind == AttributeKind::age) && a.default_value && *a.default_value < 0)
        ctx_.error(*r.node("default"), r.key("default"),
                   std::string(a.kind == AttributeKind::age ? "an age" : "a count") + " must be >= 0");
      a.center = r.ranged("center", rule_of("attributes", "center")).value_or(0.0);
    }
    if (a.kind == AttributeKind::count) {
      auto counts = r.strings("counts");
      if (!counts || counts->empty()) {
        ctx_.error(v, r.key("counts"), "a count attribute needs the states whose entries it counts");
      } else {
        const toml::array& arr = *r.node("counts")->as_array();
        for (std::size_t j = 0; j < counts->size(); ++j)
          if (auto si = state_ref(arr[j], r.key("counts") + "[" + std::to_string(j) + "]"))
            a.counted_states.push_back(*si);
      }
    } else if (r.has("counts")) {
      ctx_.error(*r.node("counts"), r.key("counts"), "only used with type = \"count\"");
    }
    if (a.kind == AttributeKind::age && age_attribute())
      ctx_.error(v, key, "only one attribute can have type \"age\" (already: '" + s_.attributes[*age_attribute()].name + "')");
    s_.attributes.push_back(std::move(a));
  }
}

void Loader::read_exit_age(const TableReader& top) {
  const toml::table* t = top.subtable("exit_age");
  if (!t) return;
  TableReader r(ctx_, *t, "exit_age", {"age", "to", "attribute"});
  ExitAge e;
  e.age = r.ranged("age", rule_of("exit_age", "age"), true).value_or(67.0);
  auto to = state_ref(r, "to", true);
  if (to) {
    if (!s_.states[*to].absorbing)
      ctx_.error(*t->get("to"), r.key("to"), "must be an absorbing state (people leave the model there)");
    e.to = *to;
  }
  if (auto an = r.string("attribute")) {
    const Attribute* a = s_.find_attribute(*an);
    if (!a || a->kind != AttributeKind::age)
      ctx_.error(*t->get("attribute"), r.key("attribute"), "must name an attribute of type \"age\"");
    else
      e.attribute = static_cast<AttributeIndex>(a - s_.attributes.data());
  } else if (auto ai = age_attribute()) {
    e.attribute = *ai;
  } else {
    ctx_.error(*t, "exit_age", "needs an attribute of type \"age\" under [attributes]");
    return;
  }
  if (to) s_.exit_age = e;
}

}  // namespace trede::model::detail
