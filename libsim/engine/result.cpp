#include "trede/engine/result.hpp"

namespace trede::engine {

const char* to_string(EdgeKind k) noexcept {
  switch (k) {
    case EdgeKind::transition: return "transition";
    case EdgeKind::inflow: return "inflow";
    case EdgeKind::age_exit: return "age_exit";
    case EdgeKind::renege: return "renege";
    case EdgeKind::to_waiting: return "to_waiting";
    case EdgeKind::admission: return "admission";
    case EdgeKind::leakage: return "leakage";
  }
  return "?";
}

bool edge_kind_from_string(const std::string& name, EdgeKind& kind) noexcept {
  for (auto k : {EdgeKind::transition, EdgeKind::inflow, EdgeKind::age_exit, EdgeKind::renege, EdgeKind::to_waiting,
                 EdgeKind::admission, EdgeKind::leakage})
    if (name == to_string(k)) {
      kind = k;
      return true;
    }
  return false;
}

}  // namespace trede::engine
