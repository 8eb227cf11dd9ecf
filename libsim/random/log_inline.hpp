#pragma once
// Private, inlinable natural logarithm of a number in (0, 1], used for every exponential variate
// -ln U the engine draws. The public trede::random::log_unit forwards here.
//
// The classic reduction of fdlibm's e_log.c (Sun Microsystems): x = 2^k (1 + f) with 1 + f in
// [sqrt(2)/2, sqrt(2)), s = f / (2 + f), ln(1 + f) = f - f²/2 + s (f²/2 + R(s²)) with fdlibm's
// degree-14 Remez polynomial R, and k ln 2 added in two parts. Error below 1 ulp. Only +, -, *
// and / of doubles: the same bits on every IEEE platform (the library is not built with
// floating-point contraction on x86-64; a build that contracts a*b+c into fused operations may
// differ in the last bit), unlike the C library's log, whose last bit may differ between
// libraries and between code paths chosen by the processor.

#include <bit>
#include <cstdint>

namespace trede::random::detail {

// ln x for x in (0, 1] (x a normal number).
// Always inlined: the engine draws one per event, and the compiler's size budget for its event
// loop must not decide whether it pays for a call (it did once the loop grew: BM1 lost 15 %).
[[gnu::always_inline]] inline double log_unit(double x) noexcept {
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
  constexpr double ln2_lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76
  constexpr double lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01;
  constexpr double lg3 = 2.857142874366239149e-01, lg4 = 2.222219843214978396e-01;
  constexpr double lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01;
  constexpr double lg7 = 1.479819860511658591e-01;
  // Scale the mantissa into [sqrt(2)/2, sqrt(2)): add the distance from sqrt(2)/2's high word
  // to 1.0's, take the exponent, then move the mantissa back.
  std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  std::uint32_t hx = static_cast<std::uint32_t>(bits >> 32) + (0x3ff00000u - 0x3fe6a09eu);
  const int k = static_cast<int>(hx >> 20) - 0x3ff;
  hx = (hx & 0x000fffffu) + 0x3fe6a09eu;
  bits = std::uint64_t{hx} << 32 | (bits & 0xffffffffu);
  const double f = std::bit_cast<double>(bits) - 1.0;
  const double hfsq = 0.5 * f * f;
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (lg2 + w * (lg4 + w * lg6));
  const double t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)));
  const double r = t2 + t1;
  const double dk = k;
  return s * (hfsq + r) + dk * ln2_lo - hfsq + f + dk * ln2_hi;
}

}  // namespace trede::random::detail
