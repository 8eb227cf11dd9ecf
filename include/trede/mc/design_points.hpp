#pragma once
/// \file
/// Points in the unit cube [0, 1)^k for probabilistic sensitivity analysis: a scrambled Sobol
/// sequence or a Latin hypercube, and the Saltelli pick-freeze design for Sobol indices. A
/// point is mapped to a parameter set by `random::JointDistribution::transform`. Every design
/// is a pure function of (size, dimension, seed): computed on the calling thread, so it is the
/// same for any thread or process count.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trede::mc {

/// n points of dimension k, row-major [n, k], every coordinate in [0, 1).
struct UnitPoints {
  std::size_t n = 0;          ///< number of points
  std::size_t dimension = 0;  ///< k
  std::vector<double> values; ///< [n, k]

  /// Coordinates of point i.
  [[nodiscard]] std::span<const double> point(std::size_t i) const {
    return std::span<const double>(values).subspan(i * dimension, dimension);
  }
};

/// How design points are laid out.
enum class PointMethod {
  sobol,            ///< Owen-scrambled Sobol sequence (`sobol_points`)
  latin_hypercube,  ///< Latin hypercube (`latin_hypercube_points`)
};

/// The design named `name`: "sobol" or "lhs" (a Latin hypercube), as `trede run --design` and
/// Python's `design=` spell it. \throws ModelError (key "design") for any other name.
[[nodiscard]] PointMethod point_method(std::string_view name);

/// Most parameter draws of one analysis (the size of a Sobol design).
inline constexpr std::int64_t max_draws = std::int64_t{1} << 32;

/// What is wrong with the options of a probabilistic sensitivity analysis that run, compare and
/// sweep share: `draws` must be 0 (no PSA) or 2 to `max_draws`, and a design other than the default
/// (`design_given`) or common streams mean nothing without draws. Empty `key` when nothing is;
/// else the option ("draws", "design" or "common_streams") and what is wrong with it, naming the
/// draws option as the front end spells it (`draws_option`: "--draws", "draws="). The front
/// ends spell the key their way too (`--common-streams`, `common_streams`).
struct DrawsProblem {
  std::string key;
  std::string message;
};
[[nodiscard]] DrawsProblem draws_problem(std::int64_t draws, bool design_given, bool common_streams,
                                         std::string_view draws_option);

/// Largest dimension `sobol_points` supports (the direction-number table's size).
inline constexpr std::size_t sobol_max_dimension = 1024;

/// The first n points of the k-dimensional Sobol sequence with the direction numbers of Joe &
/// Kuo (2008, table new-joe-kuo-6.21201), randomised by Owen's nested uniform scrambling keyed
/// by `seed` (scrambled points are uniform on [0, 1)^k one by one, and keep the sequence's
/// stratification: when n = 2^m, each coordinate has exactly one point in each interval
/// [j/n, (j+1)/n), and so on for the sequence's elementary intervals). Use n a power of 2.
/// Coordinates lie strictly inside (0, 1).
/// \throws ModelError when k is 0 or above `sobol_max_dimension`, n is 0 or above 2^32.
[[nodiscard]] UnitPoints sobol_points(std::size_t n, std::size_t dimension, std::uint64_t seed);

/// A Latin hypercube of n points: in each coordinate, each of the n intervals [j/n, (j+1)/n)
/// holds exactly one point, at a uniform position; the intervals are matched across
/// coordinates by independent random permutations. The same numbers as the sweep design
/// `lhs_design` for the same seed (coordinate j uses Philox stream j of `seed`).
/// \throws ModelError when n or k is 0.
[[nodiscard]] UnitPoints latin_hypercube_points(std::size_t n, std::size_t dimension, std::uint64_t seed);

/// `sobol_points` or `latin_hypercube_points`.
[[nodiscard]] UnitPoints unit_points(PointMethod method, std::size_t n, std::size_t dimension, std::uint64_t seed);

/// The pick-freeze design of Saltelli et al. (2010) for Sobol indices of groups of inputs:
/// base matrices A and B (n points each, the first and last k coordinates of one 2k-dimensional
/// design), and for each group g the matrix AB_g: A with the columns of group g taken from B.
/// The model is run at every row of `points`, in the order A, B, AB_0, ..., AB_{G-1}: n·(G + 2)
/// runs. Hand the outputs, in the same order, to `sobol_indices`.
struct SaltelliDesign {
  std::size_t base_points = 0;                   ///< n
  std::size_t dimension = 0;                     ///< k
  std::vector<std::vector<std::size_t>> groups;  ///< the columns of each group (disjoint)
  UnitPoints points;                             ///< [(G + 2)·n, k]

  /// Row of A's j-th point in `points`.
  [[nodiscard]] std::size_t a_row(std::size_t j) const noexcept { return j; }
  /// Row of B's j-th point.
  [[nodiscard]] std::size_t b_row(std::size_t j) const noexcept { return base_points + j; }
  /// Row of AB_g's j-th point.
  [[nodiscard]] std::size_t ab_row(std::size_t g, std::size_t j) const noexcept { return (2 + g) * base_points + j; }
  /// Total number of model runs, n·(G + 2).
  [[nodiscard]] std::size_t runs() const noexcept { return (2 + groups.size()) * base_points; }
};

/// Builds the Saltelli design of n base points for k inputs. `groups` lists disjoint sets of
/// columns (e.g. `JointDistribution::blocks()`, so a correlated group moves as one); empty
/// means one group per column. Columns in no group stay at A's values in every AB_g.
/// With `PointMethod::sobol` the base design has 2k coordinates (so k <= 512).
/// \throws ModelError for n or k of 0, k > 512 with Sobol points, an empty group, or a column
/// out of range or in two groups.
[[nodiscard]] SaltelliDesign saltelli_design(std::size_t n, std::size_t dimension,
                                             std::vector<std::vector<std::size_t>> groups, PointMethod method,
                                             std::uint64_t seed);

}  // namespace trede::mc
