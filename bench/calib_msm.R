# The peer comparison for panel-data fits: R's msm on the same CSV that trede fits.
#
#   build/release/bin/trede_calib_bench --write-csv=panel3000.csv --benchmark_filter=none
#   Rscript bench/calib_msm.R panel3000.csv            # Debian: apt install r-cran-msm
#   trede calibrate models/calibration/ladder4.toml --data panel3000.csv --starts 1
#
# Prints msm's estimates with 95% intervals, -2 log L and the wall-clock time of msm() (median
# of 3 runs), for the four-state ladder of models/calibration/ladder4.toml with the scenario's
# rates as initial values (trede's "scenario" starting point).
suppressPackageStartupMessages(library(msm))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(if (length(args)) args[1] else "panel3000.csv", stringsAsFactors = FALSE)
states <- c("bijstand", "traject", "werk", "exit")
d$s <- match(d$state, states)
q0 <- rbind(c(0, 0.6, 0, 0.08),
            c(0.9, 0, 0.5, 0),
            c(0.25, 0, 0, 0.04),
            c(0, 0, 0, 0))
times <- c()
for (i in 1:3) {
  t <- system.time(m <- msm(s ~ time, subject = id, data = d, qmatrix = q0))[c("elapsed", "user.self")]
  times <- rbind(times, t)
}
cat(sprintf("msm %s: %d people, %d observations\n", packageVersion("msm"), length(unique(d$id)), nrow(d)))
print(qmatrix.msm(m, ci = "delta"))
cat(sprintf("-2 log L: %.6f\n", m$minus2loglik))
cat(sprintf("msm() seconds, median of 3: wall-clock %.3f, CPU %.3f\n\n", median(times[, 1]), median(times[, 2])))
