#pragma once
/// \file
/// Umbrella header for the trede core: scenarios, the engine, Monte Carlo ensembles and HDF5
/// output. Pulls in no third-party headers (no HDF5, TBB, Boost or pybind11).

#include "trede/engine/result.hpp"
#include "trede/engine/simulator.hpp"
#include "trede/error.hpp"
#include "trede/io/hdf5.hpp"
#include "trede/mc/catalogue.hpp"
#include "trede/mc/compare.hpp"
#include "trede/mc/ensemble.hpp"
#include "trede/mc/executor.hpp"
#include "trede/mc/sweep.hpp"
#include "trede/model/key_path.hpp"
#include "trede/model/limits.hpp"
#include "trede/model/load.hpp"
#include "trede/model/scenario.hpp"
#include "trede/random/distributions.hpp"
#include "trede/random/stream.hpp"
#include "trede/version.hpp"
