# Installs the trede build tree into a fresh prefix, builds tests/cmake/consumer against it with
# find_package(trede) and runs it; also runs the installed `trede` program.
#
# cmake -DTREDE_BUILD_DIR=... -DCONSUMER_SOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=...
#       -DCXX_COMPILER=... [-DCXX_LAUNCHER=...] [-DBUILD_TYPE=...] [-DCXX_FLAGS=...]
#       [-DEXE_LINKER_FLAGS=...] -P run_consumer.cmake

foreach(var TREDE_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${ARGN}\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

# 1. Install.
run_step("install" "${CMAKE_COMMAND}" --install "${TREDE_BUILD_DIR}" --prefix "${prefix}")

# 2. The installed package: config + version files, public headers only.
file(GLOB_RECURSE config_files "${prefix}/*/tredeConfig.cmake")
file(GLOB_RECURSE version_files "${prefix}/*/tredeConfigVersion.cmake")
file(GLOB_RECURSE targets_files "${prefix}/*/tredeTargets.cmake")
if(NOT config_files OR NOT version_files OR NOT targets_files)
  message(FATAL_ERROR "install tree lacks tredeConfig.cmake / tredeConfigVersion.cmake / tredeTargets.cmake")
endif()
foreach(h trede/trede.hpp trede/version.hpp trede/error.hpp trede/model/load.hpp trede/mc/ensemble.hpp trede/io/hdf5.hpp)
  if(NOT EXISTS "${prefix}/include/${h}")
    message(FATAL_ERROR "install tree lacks include/${h}")
  endif()
endforeach()
file(GLOB_RECURSE headers "${prefix}/include/trede/*")
foreach(h IN LISTS headers)
  file(STRINGS "${h}" leaks REGEX "#[ \t]*include[ \t]*[<\"](hdf5|H5[A-Za-z]*\\.h|tbb/|oneapi/|boost/|toml\\+\\+/|Random123/|Eigen/|pybind11/)")
  if(leaks)
    message(FATAL_ERROR "installed header ${h} includes a private dependency: ${leaks}")
  endif()
endforeach()
foreach(m ladder-bm.toml ladder-bm2.toml)
  if(NOT EXISTS "${prefix}/share/trede/models/${m}")
    message(FATAL_ERROR "install tree lacks share/trede/models/${m}")
  endif()
endforeach()

# 3. Configure, build and run the consumer against the install tree only.
set(configure_args
  -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
if(CXX_LAUNCHER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER}")
endif()
if(BUILD_TYPE)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()
if(CXX_FLAGS)
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")
endif()
if(EXE_LINKER_FLAGS)
  list(APPEND configure_args "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
endif()
run_step("configure consumer" "${CMAKE_COMMAND}" ${configure_args})
string(FIND "${step_output}" "from ${prefix}/" found)
if(found EQUAL -1)
  message(FATAL_ERROR "the consumer did not find trede in the install prefix ${prefix}:\n${step_output}")
endif()
run_step("build consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run_step("run consumer" "${WORK_DIR}/build/consumer" "${prefix}/share/trede/models/ladder-bm.toml" "${WORK_DIR}/out.h5")
message(STATUS "${step_output}")
if(NOT step_output MATCHES "consumer: OK persons=2000 replicates=4 ")
  message(FATAL_ERROR "unexpected consumer output:\n${step_output}")
endif()

# 4. A version the package does not offer is refused.
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build-v99" -G "${GENERATOR}"
                        "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"
                        "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DTREDE_REQUIRE_VERSION=99.0"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(trede 99.0) succeeded against trede ${out}")
endif()

# 5. The installed program runs from the install tree (its RPATH finds the installed library).
run_step("installed trede validate" "${prefix}/bin/trede" validate "${prefix}/share/trede/models/ladder-bm2.toml")
if(NOT step_output MATCHES "OK: ")
  message(FATAL_ERROR "installed trede validate printed:\n${step_output}")
endif()
run_step("installed trede run" "${prefix}/bin/trede" run "${prefix}/share/trede/models/ladder-bm.toml"
         --set "population[0].count=500" -n 2 -q -o "${WORK_DIR}/cli.h5")
run_step("installed trede info" "${prefix}/bin/trede" info "${WORK_DIR}/cli.h5")
if(NOT step_output MATCHES "persons")
  message(FATAL_ERROR "installed trede info printed:\n${step_output}")
endif()

message(STATUS "consumer project: OK")
file(REMOVE_RECURSE "${WORK_DIR}")
