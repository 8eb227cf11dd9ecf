#include "engine/population.hpp"

#include <algorithm>
#include <cmath>

#include "random/log_inline.hpp"
#include "random/threefry_inline.hpp"
#include "trede/random/distributions.hpp"

namespace trede::engine {

double draw_value(const model::Distribution& d, double u) {
  using K = model::Distribution::Kind;
  switch (d.kind) {
    case K::fixed: return d.a;
    case K::uniform: return d.a + u * (d.b - d.a);
    case K::normal: {
      const double plo = random::normal_cdf((d.lo - d.a) / d.b);
      const double phi = random::normal_cdf((d.hi - d.a) / d.b);
      const double p = std::clamp(plo + u * (phi - plo), 1e-300, 1.0 - 1e-16);
      return std::clamp(d.a + d.b * random::normal_quantile(p), d.lo, d.hi);
    }
    case K::categorical: {
      double total = 0.0;
      for (double w : d.weights) total += w;
      double target = u * total, acc = 0.0;
      for (std::size_t i = 0; i < d.values.size(); ++i) {
        acc += d.weights[i];
        if (target < acc) return d.values[i];
      }
      for (std::size_t i = d.values.size(); i-- > 0;)
        if (d.weights[i] > 0) return d.values[i];
      return d.values.back();
    }
    // u is in (0, 1]: each inverts the upper tail, so u = 1 gives the lower end of the support.
    case K::exponential: return -d.a * random::detail::log_unit(u);
    case K::gamma: return d.b * random::gamma_q_inverse(d.a, u);
    case K::lognormal: return std::exp(d.a - d.b * random::normal_quantile(u));
  }
  return d.a;
}

void Population::draw_attributes(People& people, std::uint32_t p, const std::vector<model::AttributeDraw>& draws,
                                 double now) const {
  for (const model::AttributeDraw& d : draws) {
    const auto u = random::detail::threefry(key_, people[p].key(), m_.attribute_stream[d.attribute],
                                            random::Purpose::attribute, 0);
    double v = draw_value(d.distribution, random::uniform_open0(u[0]));
    const auto kind = m_.attributes[d.attribute].kind;
    if (kind == model::AttributeKind::age) v = now - v;  // stored as birth time
    if (kind == model::AttributeKind::count) v = std::floor(std::max(v, 0.0));
    people.attribute(d.attribute, p) = v;
  }
  set_exit_time(people, p);
}

double Population::time_in_state(std::uint64_t person_key, const model::Distribution& d) const {
  if (d.kind == model::Distribution::Kind::fixed && d.a == 0.0) return 0.0;
  const auto u = random::detail::threefry(key_, person_key, 0, random::Purpose::initial, 0);
  return std::max(0.0, draw_value(d, random::uniform_open0(u[0])));
}

void Population::set_attributes(People& people, std::uint32_t p, const model::Individual& ind) const {
  for (std::size_t a = 0; a < ind.attributes.size(); ++a) {
    double v = ind.attributes[a];
    if (m_.attributes[a].kind == model::AttributeKind::age) v = m_.start - v;
    people.attribute(a, p) = v;
  }
  set_exit_time(people, p);
}

}  // namespace trede::engine
