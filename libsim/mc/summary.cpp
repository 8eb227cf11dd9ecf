#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "trede/error.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/ensemble.hpp"

namespace trede::mc {
namespace {

// Type-7 quantile of sorted values.
double quantile(const std::vector<double>& v, double q) {
  const double h = (static_cast<double>(v.size()) - 1.0) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

template <class T>
Summary summarize_impl(std::span<const T> values, std::size_t R) {
  const std::size_t N = R == 0 ? 0 : values.size() / R;
  Summary s;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.mean.assign(N, nan);
  s.sd.assign(N, nan);
  s.q05.assign(N, nan);
  s.q50.assign(N, nan);
  s.q95.assign(N, nan);
  // Each cell is computed by one task in replicate order: the same result for any thread count.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, N, 64), [&](const tbb::blocked_range<std::size_t>& r) {
    std::vector<double> col;
    col.reserve(R);
    for (std::size_t j = r.begin(); j != r.end(); ++j) {
      col.clear();
      for (std::size_t i = 0; i < R; ++i) {
        const double x = static_cast<double>(values[i * N + j]);
        if (!std::isnan(x)) col.push_back(x);
      }
      if (col.empty()) continue;
      double sum = 0.0;
      for (double x : col) sum += x;
      const double mean = sum / static_cast<double>(col.size());
      double ss = 0.0;
      for (double x : col) ss += (x - mean) * (x - mean);
      s.mean[j] = mean;
      s.sd[j] = col.size() > 1 ? std::sqrt(ss / static_cast<double>(col.size() - 1)) : 0.0;
      std::sort(col.begin(), col.end());
      s.q05[j] = quantile(col, 0.05);
      s.q50[j] = quantile(col, 0.50);
      s.q95[j] = quantile(col, 0.95);
    }
  });
  return s;
}

}  // namespace

Summary summarize(std::span<const double> values, std::size_t replicates) {
  return summarize_impl(values, replicates);
}

Summary summarize(std::span<const std::int32_t> values, std::size_t replicates) {
  return summarize_impl(values, replicates);
}

void summarize(Ensemble& e) {
  for_each_array(e, [&](const ResultArray& a, const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    if (a.summarised == Summarised::no) return;
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      throw Error(std::string("mc::summarize: ") + a.name + " cannot be summarised (64-bit counts)");
    } else {
      e.summaries[a.index()] = summarize(std::span<const T>(v), e.replicates);
    }
  });
}

}  // namespace trede::mc
