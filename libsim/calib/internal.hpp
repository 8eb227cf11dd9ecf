#pragma once
// Private helpers shared by the calibration sources (Eigen is allowed here, never in
// include/trede/trede.hpp).

#include <Eigen/Dense>

#include <chrono>
#include <string>

#include "trede/calib/fit.hpp"
#include "trede/calib/markov.hpp"
#include "trede/model/scenario.hpp"

namespace trede::calib::detail {

// Seconds on a monotonic clock.
inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Inverts a symmetric information matrix. Returns false (and NaN entries for the parameters
// involved) when it is not positive definite; `bad` lists the indices without a usable variance.
bool invert_information(const Eigen::MatrixXd& information, Eigen::MatrixXd& covariance, std::vector<int>& bad);

// Fills estimates, q and its intervals, covariance and AIC of a rate-model fit from theta and
// the observed information. `r.theta`, `r.log_likelihood` must be set.
void finish_rate_fit(FitResult& r, const CompiledSpec& spec, const model::Scenario& scenario,
                     const Eigen::MatrixXd& information);

// Rate of piece `k` of edge `e` at covariates 0 for parameters theta.
inline double base_rate(const CompiledSpec::Edge& e, std::size_t k, const Eigen::VectorXd& theta) {
  return e.rate_parameter[k] >= 0 ? std::exp(theta[e.rate_parameter[k]]) : e.fixed_rate[k];
}

// Smallest log rate a free rate can take (a rate that wants to be 0 stops here and is reported).
inline constexpr double min_log_rate = -23.0;  // about 1e-10 per year

// "1.234e-05"-style short formatting for messages.
std::string fmt(double v, int digits = 4);

}  // namespace trede::calib::detail
