#pragma once
// Penalised regression splines for E[y | θ_G], the conditional mean of a PSA output given a
// group G of its parameters: the regression behind EVPPI (Strong, Oakley & Brennan 2014) and
// the given-data first-order sensitivity indices.
//
// Structure. Each parameter is used on its own scale, or on the log scale when all its values
// are positive and their logarithms are less skewed than the values (lognormal and gamma
// rates and costs), then centred on its median and divided by its interquartile range, so
// every axis has a comparable unit and one smoothing parameter serves all. Cubic B-splines
// have their knots at quantiles of the data (as many points between neighbouring knots),
// boundary knots repeated at the smallest and largest value.
//   1 parameter:    m = min(24, D/20) basis functions (at least 4);
//   2-3 parameters: tensor product of the axes' bases (m per axis, m^p <= D/10, m >= 4), which
//                   captures any smooth interaction;
//   more, or too few draws for a tensor: an additive model (one term per parameter,
//                   m = min(8, D/(10p)) >= 4) plus, for up to 10 parameters, every pairwise
//                   product of the standardised parameters (bilinear interactions).
// Penalty: O'Sullivan's integrated squared second derivative, ∫ f''(u)² du along each axis
// (for a tensor product Σ_axes ∫ (∂²f/∂u_a²)², i.e. P_a ⊗ G_b ⊗ ... with P the curvature and
// G the Gram matrix of each basis), computed exactly by Gauss–Legendre quadrature. Its null
// space is the functions linear in each axis (bilinear for a pair), so linear effects and
// linear-by-linear interactions are not shrunk, and sparse tails are extrapolated linearly.
// One λ, chosen by generalised cross-validation, GCV(λ) = D·RSS / (D − 1 − edf)², or by REML,
// (D − 1 − M₀)·log PRSS(λ) + Σ_{Λ_i>0} log((1 + λΛ_i)/(λΛ_i)) with M₀ the null space's
// dimension and PRSS = yᵀy − Σ w_i z_i² the penalised residual sum of squares. Columns are
// centred (the mean is fitted apart) and one column per term is dropped to make the model
// identifiable; the penalty, blind to constants, is unchanged by that choice.
//
// Computation. With G = XᵀX (centred) and S the penalty, the generalised eigenproblem
// S v = Λ G v (VᵀGV = I) gives, for every λ at once, β = V (I + λΛ)⁻¹ Vᵀ Xᵀy,
// edf = Σ 1/(1 + λΛ_i) and RSS = yᵀy − Σ z_i²(2w_i − w_i²), z = VᵀXᵀy, w_i = 1/(1 + λΛ_i);
// so the λ search costs O(columns) per trial. Building the smoother costs
// O(D·nnz² + columns³) (nnz nonzeros per row: 4^p for a tensor) and is shared by every
// response fitted on the same group; each fit costs O(D·nnz + columns²).
//
// Limits. A group larger than 3 parameters is fitted as additive plus bilinear terms: higher
// interactions are missed, which biases EVPPI downwards. D should be at least a few hundred.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "trede/mc/draws.hpp"

namespace trede::mc::detail {

class SplineSmoother {
 public:
  // Builds the basis for columns `group` of `theta`. Constant columns are left out (they
  // carry no information). \throws Error for an empty group, a column out of range, or fewer
  // draws than the smallest basis needs.
  SplineSmoother(ParameterDraws theta, std::span<const std::size_t> group);

  struct Fit {
    std::vector<double> fitted;  // [D] estimate of E[y | θ_G] at each draw
    double mean = 0.0;           // ȳ
    double edf = 0.0;            // effective degrees of freedom of the centred fit, tr(H)
    double edf2 = 0.0;           // tr(H²), for the noise correction of Var(fitted)
    double rss = 0.0;            // residual sum of squares
    double tss = 0.0;            // Σ (y − ȳ)²
    double lambda = 0.0;         // smoothing parameter chosen by GCV or REML
    [[nodiscard]] double r_squared() const { return tss > 0.0 ? 1.0 - rss / tss : 0.0; }
    // RSS / (D − 1 − edf): the residual variance Var(y | θ_G) if it does not change with θ_G.
    [[nodiscard]] double residual_variance() const;
  };

  // How λ is chosen. GCV (generalised cross-validation) predicts best; REML (the restricted
  // likelihood of the spline as a random effect, Wood 2011) undersmooths less often, so a
  // parameter without effect is fitted by the penalty's null space as often as not, which
  // keeps a fit's R² unbiased for it (the first-order indices).
  enum class Smoothing { gcv, reml };

  // Fits y (length D). \throws Error for a wrong length.
  [[nodiscard]] Fit fit(std::span<const double> y, Smoothing smoothing = Smoothing::gcv) const;

  // Number of basis columns (after the identifiability constraints).
  [[nodiscard]] std::size_t columns() const noexcept { return columns_; }
  // E.g. "tensor-product cubic regression spline, 2 parameters (θ0 on the log scale), 10×10 basis, ...".
  [[nodiscard]] const std::string& description() const noexcept { return description_; }

 private:
  std::size_t draws_ = 0;
  std::size_t columns_ = 0;
  std::size_t nnz_ = 0;                 // entries per row
  std::vector<std::int32_t> index_;     // [D, nnz] basis column of each entry, -1 when dropped
  std::vector<double> value_;           // [D, nnz]
  std::vector<double> column_mean_;     // [columns]
  std::vector<double> eigenvectors_;    // [columns, columns] column-major: V
  std::vector<double> eigenvalues_;     // [columns]: Λ, ascending, >= 0
  std::string description_;
};

}  // namespace trede::mc::detail
