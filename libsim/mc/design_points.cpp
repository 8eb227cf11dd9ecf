#include "trede/mc/design_points.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <string>

#include "mc/machine_memory.hpp"
#include "mc/psa_streams.hpp"
#include "random/philox_inline.hpp"
#include "trede/error.hpp"

namespace trede::mc {
namespace {

#include "mc/sobol_joe_kuo.inc"

static_assert(joe_kuo_dimensions == sobol_max_dimension);

constexpr int bits = 32;  // Sobol integers have 32 bits: up to 2^32 points

// The 32 direction integers v_1..v_32 of coordinate d (0-based), as in Joe & Kuo's generator:
// v_k = m_k · 2^(32−k) for k <= s, then v_k = v_{k−s} ⊕ (v_{k−s} >> s) ⊕ ⊕_{i=1}^{s−1} a_i v_{k−i}.
std::array<std::uint32_t, bits> direction_numbers(std::size_t d) {
  std::array<std::uint32_t, bits> v{};
  if (d == 0) {  // van der Corput: v_k = 2^(32−k)
    for (int k = 0; k < bits; ++k) v[k] = std::uint32_t{1} << (bits - 1 - k);
    return v;
  }
  const JoeKuoRow& row = joe_kuo_rows[d - 1];
  const int s = row.s;
  for (int k = 0; k < std::min(s, bits); ++k) v[k] = static_cast<std::uint32_t>(row.m[k]) << (bits - 1 - k);
  for (int k = s; k < bits; ++k) {
    std::uint32_t x = v[k - s] ^ (v[k - s] >> s);
    for (int i = 1; i < s; ++i)
      if ((row.a >> (s - 1 - i)) & 1u) x ^= v[k - i];
    v[k] = x;
  }
  return v;
}

// A strong 64-bit mixing function (the finaliser of SplitMix64): a bijection whose output bits
// each depend on every input bit. Used as the random function of Owen's scrambling tree.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Owen's nested uniform scrambling in base 2: digit ℓ (from the most significant) is flipped by
// a random bit that depends on the digits above it, so the random permutations form a binary
// tree keyed by the digits' prefix. The tree's random bits come from mix64(key ⊕ (ℓ, prefix)),
// with a key per coordinate from Philox. The digits below the 32nd are filled uniformly at
// random (the infinitely deep tree), and the point is put at the centre of its finest cell, so
// it lies strictly inside (0, 1).
double owen_scramble(std::uint32_t x, std::uint64_t key) noexcept {
  std::uint32_t out = 0;
  for (int level = 0; level < bits; ++level) {
    const std::uint64_t prefix = level == 0 ? 0 : x >> (bits - level);
    const std::uint64_t flip = mix64(key ^ ((static_cast<std::uint64_t>(level) << 32) | prefix)) >> 63;
    const std::uint32_t digit = (x >> (bits - 1 - level)) & 1u;
    out |= (digit ^ static_cast<std::uint32_t>(flip)) << (bits - 1 - level);
  }
  const std::uint64_t low = mix64(key ^ ((std::uint64_t{bits} << 32) | x)) >> 44;  // 20 more random digits
  const std::uint64_t cell = (static_cast<std::uint64_t>(out) << 20) | low;        // 52 digits
  return static_cast<double>(2 * cell + 1) * 0x1.0p-53;  // odd multiple of 2^-53: inside (0, 1)
}

void check_size(std::size_t n, std::size_t dimension, const char* what) {
  std::vector<Diagnostic> problems;
  if (n == 0) problems.push_back({"", 0, "points", std::string(what) + " needs at least one point"});
  if (dimension == 0) problems.push_back({"", 0, "dimension", std::string(what) + " needs at least one dimension"});
  // Refused before allocating what the machine cannot hold (not a std::bad_alloc later).
  const long double bytes = static_cast<long double>(n) * static_cast<long double>(dimension) * sizeof(double);
  const long double memory = detail::machine_memory_bytes();
  if (memory > 0 && bytes > memory / 2)
    problems.push_back({"", 0, "",
                        std::string(what) + " of " + std::to_string(n) + " points in " + std::to_string(dimension) +
                            " dimensions would need " + std::to_string(static_cast<double>(bytes / 1e9)) +
                            " GB, more than half this machine's memory; use fewer points"});
  if (!problems.empty()) throw ModelError(std::move(problems));
}

}  // namespace

PointMethod point_method(std::string_view name) {
  if (name == "sobol") return PointMethod::sobol;
  if (name == "lhs") return PointMethod::latin_hypercube;
  throw ModelError("", 0, "design", "must be sobol or lhs (got \"" + std::string(name) + "\")");
}

DrawsProblem draws_problem(std::int64_t draws, bool design_given, bool common_streams, std::string_view draws_option) {
  const std::string needs = "needs " + std::string(draws_option);
  if (draws < 0 || draws == 1) return {"draws", "must be 0 (no PSA) or >= 2 (got " + std::to_string(draws) + ")"};
  if (draws > max_draws) return {"draws", "must be at most " + std::to_string(max_draws) + " (got " + std::to_string(draws) + ")"};
  if (draws == 0 && design_given) return {"design", needs + " (it is the design of the parameter draws)"};
  if (draws == 0 && common_streams) return {"common_streams", needs};
  return {};
}

UnitPoints sobol_points(std::size_t n, std::size_t dimension, std::uint64_t seed) {
  check_size(n, dimension, "a Sobol design");
  if (dimension > sobol_max_dimension)
    throw ModelError("", 0, "dimension",
                     "a Sobol design supports up to " + std::to_string(sobol_max_dimension) + " dimensions (got " +
                         std::to_string(dimension) + "); use a Latin hypercube");
  if (n > (std::size_t{1} << 32))
    throw ModelError("", 0, "points", "a Sobol design supports up to 2^32 points (got " + std::to_string(n) + ")");
  UnitPoints p{n, dimension, std::vector<double>(n * dimension)};
  const random::StreamKey key{seed, 0};
  std::vector<std::uint32_t> x(dimension, 0);
  std::vector<std::uint64_t> scramble(dimension);
  std::vector<std::array<std::uint32_t, bits>> v(dimension);
  for (std::size_t d = 0; d < dimension; ++d) {
    v[d] = direction_numbers(d);
    scramble[d] = random::detail::philox(key, d, 0, random::Purpose::design, psa_stream::sobol_scramble)[0];
  }
  // Antonov–Saleev (Gray code) order: point i+1 = point i ⊕ v_c, c the lowest zero bit of i.
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) {
      const int c = std::countr_one(static_cast<std::uint64_t>(i - 1));
      for (std::size_t d = 0; d < dimension; ++d) x[d] ^= v[d][c];
    }
    for (std::size_t d = 0; d < dimension; ++d) p.values[i * dimension + d] = owen_scramble(x[d], scramble[d]);
  }
  return p;
}

UnitPoints latin_hypercube_points(std::size_t n, std::size_t dimension, std::uint64_t seed) {
  check_size(n, dimension, "a Latin hypercube");
  UnitPoints p{n, dimension, std::vector<double>(n * dimension)};
  const random::StreamKey key{seed, 0};
  std::vector<std::size_t> stratum(n);
  for (std::size_t k = 0; k < dimension; ++k) {
    // Fisher–Yates shuffle of the strata, one Philox block per step; then a position in each.
    // (The same streams and arithmetic as the sweep's lhs_design.)
    for (std::size_t i = 0; i < n; ++i) stratum[i] = i;
    for (std::size_t i = n; i-- > 1;) {
      const auto u = random::detail::philox(key, k, i, random::Purpose::design, psa_stream::lhs_shuffle);
      const auto j = static_cast<std::size_t>(random::uniform_closed0(u[0]) * static_cast<double>(i + 1));
      std::swap(stratum[i], stratum[std::min(j, i)]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto u = random::detail::philox(key, k, i, random::Purpose::design, psa_stream::lhs_position);
      p.values[i * dimension + k] =
          (static_cast<double>(stratum[i]) + random::uniform_closed0(u[0])) / static_cast<double>(n);
    }
  }
  return p;
}

UnitPoints unit_points(PointMethod method, std::size_t n, std::size_t dimension, std::uint64_t seed) {
  return method == PointMethod::sobol ? sobol_points(n, dimension, seed) : latin_hypercube_points(n, dimension, seed);
}

SaltelliDesign saltelli_design(std::size_t n, std::size_t dimension, std::vector<std::vector<std::size_t>> groups,
                               PointMethod method, std::uint64_t seed) {
  check_size(n, dimension, "a Saltelli design");
  if (method == PointMethod::sobol && 2 * dimension > sobol_max_dimension)
    throw ModelError("", 0, "dimension",
                     "a Saltelli design on a Sobol sequence needs 2k coordinates and supports k <= " +
                         std::to_string(sobol_max_dimension / 2) + " inputs (got " + std::to_string(dimension) +
                         "); use a Latin hypercube");
  if (groups.empty())
    for (std::size_t j = 0; j < dimension; ++j) groups.push_back({j});
  std::vector<Diagnostic> problems;
  std::vector<int> owner(dimension, -1);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string key = "groups[" + std::to_string(g) + "]";
    if (groups[g].empty()) problems.push_back({"", 0, key, "is empty"});
    for (std::size_t c : groups[g]) {
      if (c >= dimension)
        problems.push_back({"", 0, key, "column " + std::to_string(c) + " is out of range (dimension " + std::to_string(dimension) + ")"});
      else if (owner[c] >= 0)
        problems.push_back({"", 0, key, "column " + std::to_string(c) + " is also in groups[" + std::to_string(owner[c]) + "]"});
      else
        owner[c] = static_cast<int>(g);
    }
  }
  if (!problems.empty()) throw ModelError(std::move(problems));

  const UnitPoints base = unit_points(method, n, 2 * dimension, seed);
  SaltelliDesign s;
  s.base_points = n;
  s.dimension = dimension;
  s.groups = std::move(groups);
  s.points.n = s.runs();
  s.points.dimension = dimension;
  s.points.values.resize(s.points.n * dimension);
  double* out = s.points.values.data();
  for (std::size_t j = 0; j < n; ++j) {
    const double* row = base.values.data() + j * 2 * dimension;
    std::copy(row, row + dimension, out + s.a_row(j) * dimension);
    std::copy(row + dimension, row + 2 * dimension, out + s.b_row(j) * dimension);
    for (std::size_t g = 0; g < s.groups.size(); ++g) {
      double* ab = out + s.ab_row(g, j) * dimension;
      std::copy(row, row + dimension, ab);
      for (std::size_t c : s.groups[g]) ab[c] = row[dimension + c];
    }
  }
  return s;
}

}  // namespace trede::mc
