#pragma once
// Private, inlinable natural logarithm of a number in (0, 1], used for every exponential variate
// -ln U the engine draws. The public trede::random::log_unit forwards here.
//
// A table-driven reduction without division. x = 2^k z with z in [0.6875, 1.375); z falls in one
// of 128 intervals (the 7 bits of x's representation after the offset of 0.6875), whose entry
// holds a centre c, 1/c and ln c in two parts (log_table.inc, written by scripts/log_table.py from
// 60-digit logarithms). Then r = (z - c) / c is computed as (z - c) * (1/c), where z - c is exact
// and |r| <= 2^-6, and
//
//   ln x = (k ln2_hi + hi(ln c)) + (r - r²/2 + r³ (1/3 - r/4 + ... + r⁶/9) + k ln2_lo + lo(ln c)),
//
// the first sum exact (both terms on the grid of 2^-32), the series' truncation below r¹⁰/10.
// Next to 1 (z in [1 - 2^-6, 1 + 2^-7), five intervals) c = 1: there ln x is small and r = z - 1
// exact, so the result has no rounding of r in it; elsewhere |ln x| >= 2^-6 is at least 8 times
// |r|, so the rounding of r costs at most 1/16 ulp. ln 2^-k is k ln 2 added in two parts, as
// fdlibm does. Error below 1 ulp: 0.68 ulp at most against quadruple-precision logarithms
// (logq), over 10^8 points each of 53-bit uniforms, [0.6875, 1), [1 - 2^-6, 1) and every binade
// (the worst next to 0.98, just outside the band); the unit tests check it against the x87
// long-double logarithm (tests/unit/random/distributions_test.cpp). Only +, - and * of
// doubles and one integer-to-double conversion: the same bits on every IEEE platform (the
// library is not built with floating-point contraction on x86-64; a build that contracts a*b+c
// into fused operations may differ in the last bit), unlike the C library's log, whose last bit
// may differ between libraries and between code paths chosen by the processor. About as many
// instructions in the engine's event loop as fdlibm's e_log.c reduction, used before (42 against
// 43 a call, callgrind), but no division: BM1 and BM2 run 3-5 % faster.

#include <bit>
#include <cstddef>
#include <cstdint>

namespace trede::random::detail {

struct LogTableEntry {
  double c, inv_c, ln_c_hi, ln_c_lo;
};

alignas(64) inline constexpr LogTableEntry log_table[128] = {
#include "log_table.inc"
};

// ln x for x in (0, 1] (x a normal number).
// Always inlined: the engine draws one per event, and the compiler's size budget for its event
// loop must not decide whether it pays for a call (it did once the loop grew: BM1 lost 15 %).
[[gnu::always_inline]] inline double log_unit(double x) noexcept {
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000, on the grid of 2^-32
  constexpr double ln2_lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76
  constexpr double q3 = 1.0 / 3.0, q4 = -0.25, q5 = 0.2, q6 = -1.0 / 6.0, q7 = 1.0 / 7.0, q8 = -0.125,
                   q9 = 1.0 / 9.0;
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  const std::uint64_t from_offset = bits - 0x3fe6000000000000u;  // 0.6875's representation
  const LogTableEntry& e = log_table[(from_offset >> 45) & 127u];
  const double k = static_cast<double>(static_cast<std::int64_t>(from_offset) >> 52);
  const double z = std::bit_cast<double>(bits - (from_offset & 0xfff0000000000000u));
  const double r = (z - e.c) * e.inv_c;
  const double r2 = r * r;
  const double series = (q3 + r * q4) + r2 * (q5 + r * q6) + (r2 * r2) * ((q7 + r * q8) + r2 * q9);
  const double high = k * ln2_hi + e.ln_c_hi;
  const double low = k * ln2_lo + e.ln_c_lo;
  return high + (r + ((low - 0.5 * r2) + r2 * r * series));
}

}  // namespace trede::random::detail
