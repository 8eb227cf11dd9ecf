#include "trede/random/parameter.hpp"

#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <optional>

#include "trede/error.hpp"
#include "trede/random/distributions.hpp"
#include "trede_assert.hpp"

namespace trede::random {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
// Uniforms are clamped to [u_min, 1 − u_min]: the finest resolution of a 53-bit uniform.
constexpr double u_min = 0x1.0p-53;

// Boost.Math without promotion to long double (whose width differs between platforms, so
// results would too) and without exceptions (inputs are validated before any call).
using boost_policy = boost::math::policies::policy<
    boost::math::policies::promote_double<false>,
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>>;

std::string num(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

// Every digit that tells two doubles apart (the shortest form printf gives: 17 significant).
std::string num_exact(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

double clamp_u(double u) noexcept {
  if (!(u >= u_min)) return u_min;  // also NaN
  return std::min(u, 1.0 - u_min);
}

double normal_pdf(double z) noexcept { return z * z > 1.5e3 ? 0.0 : std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI); }

// Collects the problems of one distribution's parameters, then throws them together.
class Problems {
 public:
  void require(bool ok, const std::string& key, const std::string& message) {
    if (!ok) list_.push_back({"", 0, key, message});
  }
  bool finite(double x, const std::string& key) {
    require(std::isfinite(x), key, "must be a finite number (got " + num(x) + ")");
    return std::isfinite(x);
  }
  void positive(double x, const std::string& key) {
    if (finite(x, key)) require(x > 0.0, key, "must be > 0 (got " + num(x) + ")");
  }
  [[nodiscard]] bool empty() const noexcept { return list_.empty(); }
  void throw_if_any() {
    if (!list_.empty()) throw ModelError(std::move(list_));
  }

 private:
  std::vector<Diagnostic> list_;
};

// Checks that each named value is finite and > 0, reporting every problem at once.
void require_positive(std::initializer_list<std::pair<const char*, double>> values) {
  Problems p;
  for (const auto& [name, value] : values) p.positive(value, name);
  p.throw_if_any();
}

}  // namespace

std::string_view family_name(Family family) noexcept {
  switch (family) {
    case Family::uniform: return "uniform";
    case Family::triangular: return "triangular";
    case Family::normal: return "normal";
    case Family::lognormal: return "lognormal";
    case Family::gamma: return "gamma";
    case Family::beta: return "beta";
  }
  return "?";
}

// ---- Interval ----------------------------------------------------------------------------------

bool Interval::contains(double x) const noexcept {
  const bool above = lower_open ? x > lower : x >= lower;
  const bool below = upper_open ? x < upper : x <= upper;
  return above && below;
}

bool Interval::contains(const Interval& inner) const noexcept {
  // At a shared end, an open outer end needs an open inner end.
  const bool lower_ok = inner.lower > lower || (inner.lower == lower && (!lower_open || inner.lower_open));
  const bool upper_ok = inner.upper < upper || (inner.upper == upper && (!upper_open || inner.upper_open));
  return lower_ok && upper_ok;
}

std::string Interval::to_string() const {
  return std::string(lower_open ? "(" : "[") + num(lower) + ", " + num(upper) + (upper_open ? ")" : "]");
}

// ---- ParameterDistribution: construction and checks ---------------------------------------------

ParameterDistribution::ParameterDistribution(Family family, double p0, double p1, double p2, double p3)
    : family_(family), p_{p0, p1, p2, p3} {}

ParameterDistribution ParameterDistribution::uniform(double min, double max) {
  Problems p;
  const bool min_ok = p.finite(min, "min");
  const bool max_ok = p.finite(max, "max");
  if (min_ok && max_ok) p.require(min < max, "max", "must be > min = " + num(min) + " (got " + num(max) + ")");
  p.throw_if_any();
  return {Family::uniform, min, max};
}

ParameterDistribution ParameterDistribution::triangular(double min, double mode, double max) {
  Problems p;
  const bool min_ok = p.finite(min, "min");
  const bool mode_ok = p.finite(mode, "mode");
  const bool max_ok = p.finite(max, "max");
  if (min_ok && mode_ok && max_ok) {
    p.require(min < max, "max", "must be > min = " + num(min) + " (got " + num(max) + ")");
    p.require(min <= mode && mode <= max, "mode",
              "must lie in [min, max] = [" + num(min) + ", " + num(max) + "] (got " + num(mode) + ")");
  }
  p.throw_if_any();
  return {Family::triangular, min, mode, max};
}

ParameterDistribution ParameterDistribution::normal(double mean, double sd, double lower, double upper) {
  Problems p;
  p.finite(mean, "mean");
  p.positive(sd, "sd");
  p.require(!std::isnan(lower) && lower != inf, "lower", "must be a number below +inf (got " + num(lower) + ")");
  p.require(!std::isnan(upper) && upper != -inf, "upper", "must be a number above -inf (got " + num(upper) + ")");
  if (p.empty()) p.require(lower < upper, "upper", "must be > lower = " + num(lower) + " (got " + num(upper) + ")");
  p.throw_if_any();
  ParameterDistribution d(Family::normal, mean, sd, lower, upper);
  const double a = (lower - mean) / sd, b = (upper - mean) / sd;
  // Above the mean, work with upper tails 1 − Φ, which keep their precision far out.
  d.upper_tail_ = a > 0.0;
  d.c_lo_ = d.upper_tail_ ? normal_sf(a) : normal_cdf(a);
  d.c_hi_ = d.upper_tail_ ? normal_sf(b) : normal_cdf(b);
  const double mass = std::fabs(d.c_hi_ - d.c_lo_);
  if (!(mass > 1e-300))
    throw ModelError("", 0, "lower",
                     "the truncation interval [" + num(lower) + ", " + num(upper) + "] lies " +
                         num(std::min(std::fabs(a), std::fabs(b))) +
                         " standard deviations from the mean and holds no probability; move it or widen sd");
  return d;
}

ParameterDistribution ParameterDistribution::lognormal(double median, double sd_log) {
  require_positive({{"median", median}, {"sd_log", sd_log}});
  return {Family::lognormal, std::log(median), sd_log};
}

ParameterDistribution ParameterDistribution::lognormal_mean_sd(double mean, double sd) {
  require_positive({{"mean", mean}, {"sd", sd}});
  const double s2 = std::log1p((sd / mean) * (sd / mean));
  return {Family::lognormal, std::log(mean) - 0.5 * s2, std::sqrt(s2)};
}

ParameterDistribution ParameterDistribution::gamma(double shape, double scale) {
  require_positive({{"shape", shape}, {"scale", scale}});
  return {Family::gamma, shape, scale};
}

ParameterDistribution ParameterDistribution::gamma_mean_sd(double mean, double sd) {
  require_positive({{"mean", mean}, {"sd", sd}});
  return {Family::gamma, (mean / sd) * (mean / sd), sd * sd / mean};
}

ParameterDistribution ParameterDistribution::beta(double a, double b) {
  require_positive({{"a", a}, {"b", b}});
  return {Family::beta, a, b};
}

ParameterDistribution ParameterDistribution::beta_mean_sd(double mean, double sd) {
  Problems p;
  if (p.finite(mean, "mean")) p.require(mean > 0.0 && mean < 1.0, "mean", "must lie in (0, 1) (got " + num(mean) + ")");
  p.positive(sd, "sd");
  // The shapes are mean·ν and (1 − mean)·ν with ν = mean·(1 − mean)/sd² − 1, which must be
  // positive: sd < sqrt(mean·(1 − mean)). Within about 5e-10 (relative) of that limit ν is below
  // 1e-9, the shapes all but vanish and every draw is 0 or 1; such an sd is refused as well,
  // whichever side of the limit its rounding falls on.
  const double nu = mean * (1.0 - mean) / (sd * sd) - 1.0;
  if (p.empty() && !(nu > 1e-9)) {
    const double max_sd = std::sqrt(mean * (1.0 - mean));
    std::string limit = num(max_sd), got = num(sd);
    if (limit == got) limit = num_exact(max_sd), got = num_exact(sd);  // equal as printed: every digit
    if (sd < max_sd) got += ", too close to it: the shapes would be below 1e-9 and every draw 0 or 1";
    p.require(false, "sd",
              "must be < sqrt(mean·(1 − mean)) = " + limit + " for mean " + num(mean) + " (got " + got +
                  "); a beta distribution cannot be that wide");
  }
  p.throw_if_any();
  return {Family::beta, mean * nu, (1.0 - mean) * nu};
}

std::span<const double> ParameterDistribution::parameters() const noexcept {
  switch (family_) {
    case Family::triangular: return {p_, 3};
    case Family::normal: return {p_, 4};
    default: return {p_, 2};
  }
}

// ---- ParameterDistribution: evaluation -----------------------------------------------------------

double ParameterDistribution::quantile(double u) const {
  u = clamp_u(u);
  switch (family_) {
    case Family::uniform: return std::min(p_[0] + u * (p_[1] - p_[0]), p_[1]);
    case Family::triangular: {
      const double a = p_[0], c = p_[1], b = p_[2];
      const double fc = (c - a) / (b - a);
      const double x = u < fc ? a + std::sqrt(u * (b - a) * (c - a)) : b - std::sqrt((1.0 - u) * (b - a) * (b - c));
      return std::clamp(x, a, b);
    }
    case Family::normal: {
      const double mean = p_[0], sd = p_[1];
      double z;
      if (c_lo_ == 0.0 && c_hi_ == 1.0 && !upper_tail_)
        z = normal_quantile(u);  // untruncated
      else if (upper_tail_)
        z = -normal_quantile(c_lo_ - u * (c_lo_ - c_hi_));  // 1 − Φ(z) = target
      else
        z = normal_quantile(c_lo_ + u * (c_hi_ - c_lo_));
      return std::clamp(mean + sd * z, p_[2], p_[3]);
    }
    case Family::lognormal:
      return std::max(std::exp(p_[0] + p_[1] * normal_quantile(u)), std::numeric_limits<double>::min());
    case Family::gamma: {
      // Boost's pair of inverses keeps the lower tail exact (1 − u loses it for small u).
      const double x = u < 0.5 ? boost::math::gamma_p_inv(p_[0], u, boost_policy())
                               : boost::math::gamma_q_inv(p_[0], 1.0 - u, boost_policy());
      return std::max(x * p_[1], std::numeric_limits<double>::min());
    }
    case Family::beta: {
      const double x = u < 0.5 ? boost::math::ibeta_inv(p_[0], p_[1], u, boost_policy())
                               : boost::math::ibetac_inv(p_[0], p_[1], 1.0 - u, boost_policy());
      return std::clamp(x, std::numeric_limits<double>::min(), std::nextafter(1.0, 0.0));
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double ParameterDistribution::cdf(double x) const {
  if (std::isnan(x)) return x;
  switch (family_) {
    case Family::uniform: return std::clamp((x - p_[0]) / (p_[1] - p_[0]), 0.0, 1.0);
    case Family::triangular: {
      const double a = p_[0], c = p_[1], b = p_[2];
      if (x <= a) return 0.0;
      if (x >= b) return 1.0;
      return x <= c ? (x - a) * (x - a) / ((b - a) * (c - a)) : 1.0 - (b - x) * (b - x) / ((b - a) * (b - c));
    }
    case Family::normal: {
      if (x <= p_[2]) return 0.0;
      if (x >= p_[3]) return 1.0;
      const double z = (x - p_[0]) / p_[1];
      if (upper_tail_) return (c_lo_ - normal_sf(z)) / (c_lo_ - c_hi_);
      return (normal_cdf(z) - c_lo_) / (c_hi_ - c_lo_);
    }
    case Family::lognormal: return x <= 0.0 ? 0.0 : normal_cdf((std::log(x) - p_[0]) / p_[1]);
    case Family::gamma: return x <= 0.0 ? 0.0 : boost::math::gamma_p(p_[0], x / p_[1], boost_policy());
    case Family::beta:
      if (x <= 0.0) return 0.0;
      if (x >= 1.0) return 1.0;
      return boost::math::ibeta(p_[0], p_[1], x, boost_policy());
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double ParameterDistribution::mean() const noexcept {
  switch (family_) {
    case Family::uniform: return 0.5 * (p_[0] + p_[1]);
    case Family::triangular: return (p_[0] + p_[1] + p_[2]) / 3.0;
    case Family::normal: {
      const double a = (p_[2] - p_[0]) / p_[1], b = (p_[3] - p_[0]) / p_[1];
      const double mass = upper_tail_ ? c_lo_ - c_hi_ : c_hi_ - c_lo_;
      return p_[0] + p_[1] * (normal_pdf(a) - normal_pdf(b)) / mass;
    }
    case Family::lognormal: return std::exp(p_[0] + 0.5 * p_[1] * p_[1]);
    case Family::gamma: return p_[0] * p_[1];
    case Family::beta: return p_[0] / (p_[0] + p_[1]);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double ParameterDistribution::variance() const noexcept {
  switch (family_) {
    case Family::uniform: return (p_[1] - p_[0]) * (p_[1] - p_[0]) / 12.0;
    case Family::triangular: {
      const double a = p_[0], c = p_[1], b = p_[2];
      return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    }
    case Family::normal: {
      // Var = σ²[1 + (αφ(α) − βφ(β))/Z − ((φ(α) − φ(β))/Z)²]; an infinite bound contributes 0.
      const double a = (p_[2] - p_[0]) / p_[1], b = (p_[3] - p_[0]) / p_[1];
      const double mass = upper_tail_ ? c_lo_ - c_hi_ : c_hi_ - c_lo_;
      const double pa = normal_pdf(a), pb = normal_pdf(b);
      const double apa = std::isinf(a) ? 0.0 : a * pa, bpb = std::isinf(b) ? 0.0 : b * pb;
      const double m = (pa - pb) / mass;
      return p_[1] * p_[1] * std::max(1.0 + (apa - bpb) / mass - m * m, 0.0);
    }
    case Family::lognormal: {
      const double s2 = p_[1] * p_[1];
      return std::expm1(s2) * std::exp(2.0 * p_[0] + s2);
    }
    case Family::gamma: return p_[0] * p_[1] * p_[1];
    case Family::beta: {
      const double s = p_[0] + p_[1];
      return p_[0] * p_[1] / (s * s * (s + 1.0));
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Interval ParameterDistribution::support() const noexcept {
  switch (family_) {
    case Family::uniform: return {p_[0], p_[1], false, false};
    case Family::triangular: return {p_[0], p_[2], false, false};
    case Family::normal: return {p_[2], p_[3], std::isinf(p_[2]), std::isinf(p_[3])};
    case Family::lognormal:
    case Family::gamma: return Interval::positive();
    case Family::beta: return {0.0, 1.0, true, true};
  }
  return {};
}

std::string ParameterDistribution::to_string() const {
  const std::string name(family_name(family_));
  switch (family_) {
    case Family::uniform: return name + "(min = " + num(p_[0]) + ", max = " + num(p_[1]) + ")";
    case Family::triangular:
      return name + "(min = " + num(p_[0]) + ", mode = " + num(p_[1]) + ", max = " + num(p_[2]) + ")";
    case Family::normal: {
      std::string s = name + "(mean = " + num(p_[0]) + ", sd = " + num(p_[1]);
      if (!std::isinf(p_[2])) s += ", lower = " + num(p_[2]);
      if (!std::isinf(p_[3])) s += ", upper = " + num(p_[3]);
      return s + ")";
    }
    case Family::lognormal: return name + "(median = " + num(std::exp(p_[0])) + ", sd_log = " + num(p_[1]) + ")";
    case Family::gamma: return name + "(shape = " + num(p_[0]) + ", scale = " + num(p_[1]) + ")";
    case Family::beta: return name + "(a = " + num(p_[0]) + ", b = " + num(p_[1]) + ")";
  }
  return name;
}

// ---- make_distribution ---------------------------------------------------------------------------

namespace {

// The entries one way of giving a family takes: required names, then optional ones.
struct Form {
  std::vector<std::string> required;
  std::vector<std::string> optional;
};

const std::vector<Form>* forms_of(std::string_view family) {
  static const std::map<std::string, std::vector<Form>, std::less<>> forms = {
      {"uniform", {{{"min", "max"}, {}}}},
      {"triangular", {{{"min", "mode", "max"}, {}}}},
      {"normal", {{{"mean", "sd"}, {"lower", "upper"}}}},
      {"lognormal", {{{"median", "sd_log"}, {}}, {{"mean", "sd"}, {}}}},
      {"gamma", {{{"mean", "sd"}, {}}, {{"shape", "scale"}, {}}}},
      {"beta", {{{"mean", "sd"}, {}}, {{"a", "b"}, {}}}},
  };
  const auto it = forms.find(family);
  return it == forms.end() ? nullptr : &it->second;
}

std::string join(const std::vector<std::string>& names, const char* last) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) s += i + 1 == names.size() ? last : ", ";
    s += names[i];
  }
  return s;
}

std::string describe_forms(const std::vector<Form>& forms) {
  std::vector<std::string> alternatives;
  for (const auto& f : forms) {
    std::string a = join(f.required, " and ");
    if (!f.optional.empty()) a += " (optionally " + join(f.optional, " and ") + ")";
    alternatives.push_back(a);
  }
  return join(alternatives, ", or ");
}

}  // namespace

ParameterDistribution make_distribution(std::string_view family, std::span<const NamedValue> values) {
  const std::vector<Form>* forms = forms_of(family);
  if (forms == nullptr)
    throw ModelError("", 0, "dist",
                     "unknown distribution '" + std::string(family) +
                         "'; known: uniform, triangular, normal, lognormal, gamma, beta");
  const std::string fam(family);
  std::vector<Diagnostic> problems;
  std::map<std::string, double, std::less<>> given;
  for (const auto& v : values) {
    bool known = false;
    for (const auto& f : *forms)
      known = known || std::find(f.required.begin(), f.required.end(), v.name) != f.required.end() ||
              std::find(f.optional.begin(), f.optional.end(), v.name) != f.optional.end();
    if (!known)
      problems.push_back({"", 0, v.name, "is not an entry of a " + fam + " distribution; it takes " + describe_forms(*forms)});
    else if (!given.emplace(v.name, v.value).second)
      problems.push_back({"", 0, v.name, "is given twice"});
  }
  // The form whose required entries are all given; entries of two forms at once conflict.
  const Form* chosen = nullptr;
  for (const auto& f : *forms) {
    const bool all = std::all_of(f.required.begin(), f.required.end(), [&](const std::string& n) { return given.count(n) > 0; });
    if (all && chosen == nullptr) chosen = &f;
  }
  if (chosen == nullptr && problems.empty())
    problems.push_back({"", 0, "dist", "a " + fam + " distribution needs " + describe_forms(*forms)});
  if (chosen != nullptr)
    for (const auto& [name, value] : given) {
      const bool in_form = std::find(chosen->required.begin(), chosen->required.end(), name) != chosen->required.end() ||
                           std::find(chosen->optional.begin(), chosen->optional.end(), name) != chosen->optional.end();
      if (!in_form)
        problems.push_back({"", 0, name, "conflicts with " + join(chosen->required, " and ") + "; a " + fam +
                                             " distribution takes " + describe_forms(*forms) + ", not both"});
    }
  if (!problems.empty()) throw ModelError(std::move(problems));

  const auto get = [&](const char* name, double fallback = 0.0) {
    const auto it = given.find(name);
    return it == given.end() ? fallback : it->second;
  };
  if (fam == "uniform") return ParameterDistribution::uniform(get("min"), get("max"));
  if (fam == "triangular") return ParameterDistribution::triangular(get("min"), get("mode"), get("max"));
  if (fam == "normal") return ParameterDistribution::normal(get("mean"), get("sd"), get("lower", -inf), get("upper", inf));
  if (fam == "lognormal")
    return given.count("median") ? ParameterDistribution::lognormal(get("median"), get("sd_log"))
                                 : ParameterDistribution::lognormal_mean_sd(get("mean"), get("sd"));
  if (fam == "gamma")
    return given.count("shape") ? ParameterDistribution::gamma(get("shape"), get("scale"))
                                : ParameterDistribution::gamma_mean_sd(get("mean"), get("sd"));
  return given.count("a") ? ParameterDistribution::beta(get("a"), get("b"))
                          : ParameterDistribution::beta_mean_sd(get("mean"), get("sd"));
}

std::string support_problem(const ParameterDistribution& distribution, const Interval& domain) {
  const Interval s = distribution.support();
  if (domain.contains(s)) return "";
  std::string m = "a " + std::string(family_name(distribution.family())) + " distribution " +
                  (distribution.family() == Family::normal || distribution.family() == Family::uniform ||
                           distribution.family() == Family::triangular
                       ? "with these parameters "
                       : "") +
                  "takes values in " + s.to_string() + " but the key needs values in " + domain.to_string();
  const bool unit = domain.lower >= 0.0 && domain.upper <= 1.0;
  const bool half_line = domain.lower >= 0.0 && std::isinf(domain.upper);
  if (unit)
    m += "; use a beta distribution, or bounds inside " + domain.to_string();
  else if (half_line && distribution.family() == Family::normal && !domain.lower_open)
    m += "; truncate it (lower = " + num(domain.lower) + ") or use a lognormal or gamma distribution";
  else if (half_line)
    m += "; use a lognormal or gamma distribution, or bounds inside " + domain.to_string();
  else
    m += "; choose a distribution or bounds inside " + domain.to_string();
  return m;
}

// ---- CorrelatedGroup -----------------------------------------------------------------------------

namespace {

// In-place lower Cholesky factor of the k×k row-major matrix a (upper triangle zeroed). Returns
// 0 on success, else the order (1-based) of the first leading block that is not positive definite.
std::size_t cholesky(std::vector<double>& a, std::size_t k, double tolerance) {
  for (std::size_t j = 0; j < k; ++j) {
    double d = a[j * k + j];
    for (std::size_t m = 0; m < j; ++m) d -= a[j * k + m] * a[j * k + m];
    if (!(d > tolerance)) return j + 1;
    const double l = std::sqrt(d);
    a[j * k + j] = l;
    for (std::size_t i = j + 1; i < k; ++i) {
      double s = a[i * k + j];
      for (std::size_t m = 0; m < j; ++m) s -= a[i * k + m] * a[j * k + m];
      a[i * k + j] = s / l;
    }
    for (std::size_t i = 0; i < j; ++i) a[i * k + j] = 0.0;
  }
  return 0;
}

std::string cell(const char* name, std::size_t i, std::size_t j) {
  return std::string(name) + "[" + std::to_string(i) + "][" + std::to_string(j) + "]";
}

// Checks a correlation matrix; returns it symmetrised. `what` names it in messages.
std::vector<double> checked_correlation(std::span<const double> r, std::size_t k, const char* what) {
  std::vector<Diagnostic> problems;
  if (r.size() != k * k) {
    throw ModelError("", 0, what,
                     "must be " + std::to_string(k) + "×" + std::to_string(k) + " (one row and column per parameter); got " +
                         std::to_string(r.size()) + " entries");
  }
  std::vector<double> out(r.begin(), r.end());
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const double x = r[i * k + j];
      if (i == j) {
        if (!(std::fabs(x - 1.0) <= 1e-12)) problems.push_back({"", 0, cell(what, i, j), "must be 1 (got " + num(x) + ")"});
      } else if (!(x >= -1.0 && x <= 1.0)) {
        problems.push_back({"", 0, cell(what, i, j), "must lie in [-1, 1] (got " + num(x) + ")"});
      } else if (j > i && !(std::fabs(x - r[j * k + i]) <= 1e-9)) {
        problems.push_back({"", 0, cell(what, i, j),
                            "must equal " + cell(what, j, i) + " = " + num(r[j * k + i]) + " (got " + num(x) +
                                "); a correlation matrix is symmetric"});
      } else if (j > i) {
        out[i * k + j] = out[j * k + i] = 0.5 * (x + r[j * k + i]);
      }
    }
  for (std::size_t i = 0; i < k; ++i) out[i * k + i] = 1.0;
  if (!problems.empty()) throw ModelError(std::move(problems));
  return out;
}

std::vector<double> checked_cholesky(const std::vector<double>& r, std::size_t k, const char* what) {
  std::vector<double> l = r;
  if (const std::size_t order = cholesky(l, k, 1e-10); order != 0)
    throw ModelError("", 0, what,
                     "is not positive definite: the correlations among parameters 0.." + std::to_string(order - 1) +
                         " cannot all hold at once (the leading " + std::to_string(order) + "×" +
                         std::to_string(order) + " block is singular or indefinite); weaken them");
  return l;
}

}  // namespace

CorrelatedGroup::CorrelatedGroup(std::vector<ParameterDistribution> marginals, std::span<const double> correlation) {
  if (marginals.empty()) throw ModelError("", 0, "parameters", "a correlated group needs at least one parameter");
  const std::size_t k = marginals.size();
  correlation_ = checked_correlation(correlation, k, "correlation");
  cholesky_ = checked_cholesky(correlation_, k, "correlation");
  marginals_ = std::move(marginals);
}

namespace {

// Splits a covariance into standard deviations and a correlation matrix, with checks.
std::pair<std::vector<double>, std::vector<double>> split_covariance(std::span<const double> mean,
                                                                     std::span<const double> cov) {
  const std::size_t k = mean.size();
  std::vector<Diagnostic> problems;
  if (k == 0) throw ModelError("", 0, "mean", "a multivariate normal needs at least one parameter");
  if (cov.size() != k * k)
    throw ModelError("", 0, "covariance",
                     "must be " + std::to_string(k) + "×" + std::to_string(k) + " (one row and column per mean); got " +
                         std::to_string(cov.size()) + " entries");
  std::vector<double> sd(k);
  for (std::size_t i = 0; i < k; ++i) {
    if (!std::isfinite(mean[i]))
      problems.push_back({"", 0, "mean[" + std::to_string(i) + "]", "must be a finite number (got " + num(mean[i]) + ")"});
    const double v = cov[i * k + i];
    if (!(v > 0.0 && std::isfinite(v)))
      problems.push_back({"", 0, cell("covariance", i, i), "a variance must be finite and > 0 (got " + num(v) + ")"});
    sd[i] = std::sqrt(v);
  }
  if (!problems.empty()) throw ModelError(std::move(problems));
  std::vector<double> r(k * k);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const double c = cov[i * k + j], ct = cov[j * k + i];
      if (j > i && !(std::fabs(c - ct) <= 1e-8 * sd[i] * sd[j]))
        problems.push_back({"", 0, cell("covariance", i, j),
                            "must equal " + cell("covariance", j, i) + " = " + num(ct) + " (got " + num(c) +
                                "); a covariance matrix is symmetric"});
      r[i * k + j] = i == j ? 1.0 : 0.5 * (c + ct) / (sd[i] * sd[j]);
      if (i != j && !(std::fabs(r[i * k + j]) <= 1.0 + 1e-12) && j > i)
        problems.push_back({"", 0, cell("covariance", i, j),
                            "implies a correlation of " + num(r[i * k + j]) + ", outside [-1, 1]"});
      if (i != j) r[i * k + j] = std::clamp(r[i * k + j], -1.0, 1.0);
    }
  if (!problems.empty()) throw ModelError(std::move(problems));
  return {sd, r};
}

}  // namespace

CorrelatedGroup CorrelatedGroup::log_normal(std::span<const double> mean_log, std::span<const double> covariance) {
  auto [sd, r] = split_covariance(mean_log, covariance);
  CorrelatedGroup g;
  g.cholesky_ = checked_cholesky(r, sd.size(), "covariance");
  g.correlation_ = std::move(r);
  for (std::size_t i = 0; i < sd.size(); ++i)
    g.marginals_.push_back(ParameterDistribution::lognormal(std::exp(mean_log[i]), sd[i]));
  return g;
}

CorrelatedGroup CorrelatedGroup::normal(std::span<const double> mean, std::span<const double> covariance) {
  auto [sd, r] = split_covariance(mean, covariance);
  CorrelatedGroup g;
  g.cholesky_ = checked_cholesky(r, sd.size(), "covariance");
  g.correlation_ = std::move(r);
  for (std::size_t i = 0; i < sd.size(); ++i) g.marginals_.push_back(ParameterDistribution::normal(mean[i], sd[i]));
  return g;
}

void CorrelatedGroup::transform(std::span<const double> u, std::span<double> x) const {
  const std::size_t k = marginals_.size();
  TREDE_ASSERT(u.size() == k && x.size() == k);
  for (std::size_t i = 0; i < k; ++i) x[i] = normal_quantile(clamp_u(u[i]));
  // w = L z in place: row i needs z_0..z_i, so the rows are formed from the last one up.
  for (std::size_t i = k; i-- > 0;) {
    double s = 0.0;
    for (std::size_t j = 0; j <= i; ++j) s += cholesky_[i * k + j] * x[j];
    x[i] = s;
  }
  for (std::size_t i = 0; i < k; ++i) {
    const ParameterDistribution& m = marginals_[i];
    const auto p = m.parameters();
    const double w = x[i];
    if (m.family() == Family::normal && std::isinf(p[2]) && std::isinf(p[3]))
      x[i] = p[0] + p[1] * w;
    else if (m.family() == Family::lognormal)
      x[i] = std::max(std::exp(p[0] + p[1] * w), std::numeric_limits<double>::min());
    else
      x[i] = m.quantile(normal_cdf(w));
  }
}

// ---- JointDistribution ---------------------------------------------------------------------------

std::size_t JointDistribution::add(ParameterDistribution distribution) {
  const std::size_t first = dimension_;
  blocks_.push_back({first, false, independent_.size()});
  independent_.push_back(distribution);
  marginal_block_.push_back(blocks_.size() - 1);
  ++dimension_;
  return first;
}

std::size_t JointDistribution::add(CorrelatedGroup group) {
  const std::size_t first = dimension_;
  blocks_.push_back({first, true, groups_.size()});
  dimension_ += group.size();
  marginal_block_.insert(marginal_block_.end(), group.size(), blocks_.size() - 1);
  groups_.push_back(std::move(group));
  return first;
}

std::vector<std::vector<std::size_t>> JointDistribution::blocks() const {
  std::vector<std::vector<std::size_t>> out;
  for (const auto& b : blocks_) {
    const std::size_t n = b.grouped ? groups_[b.index].size() : 1;
    std::vector<std::size_t> cols(n);
    for (std::size_t i = 0; i < n; ++i) cols[i] = b.first + i;
    out.push_back(std::move(cols));
  }
  return out;
}

const ParameterDistribution& JointDistribution::marginal(std::size_t j) const {
  if (j >= dimension_) throw Error("JointDistribution::marginal: parameter " + std::to_string(j) + " of " + std::to_string(dimension_));
  const Block& b = blocks_[marginal_block_[j]];
  return b.grouped ? groups_[b.index].marginals()[j - b.first] : independent_[b.index];
}

void JointDistribution::transform(std::span<const double> u, std::span<double> theta) const {
  TREDE_ASSERT(u.size() == dimension_ && theta.size() == dimension_);
  for (const auto& b : blocks_) {
    if (b.grouped) {
      const CorrelatedGroup& g = groups_[b.index];
      g.transform(u.subspan(b.first, g.size()), theta.subspan(b.first, g.size()));
    } else {
      theta[b.first] = independent_[b.index].quantile(u[b.first]);
    }
  }
}

std::vector<double> JointDistribution::transform_all(std::span<const double> points) const {
  if (dimension_ == 0 || points.size() % dimension_ != 0)
    throw Error("JointDistribution::transform_all: " + std::to_string(points.size()) +
                " coordinates are not whole points of dimension " + std::to_string(dimension_));
  std::vector<double> theta(points.size());
  for (std::size_t i = 0; i < points.size(); i += dimension_)
    transform(points.subspan(i, dimension_), std::span<double>(theta).subspan(i, dimension_));
  return theta;
}

}  // namespace trede::random
