#!/usr/bin/env bash
# Installs the Debian 12 packages trede needs to build, test and run. Idempotent: does nothing
# (not even `apt-get update`) when everything is already installed. Run as root (or with sudo).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache git pkg-config
  # the fuzz preset (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # libraries
  libeigen3-dev libtbb-dev libhdf5-dev hdf5-tools libboost-graph-dev libbenchmark-dev libgtest-dev
  libtomlplusplus-dev librandom123-dev libnlopt-cxx-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  # Python side (tests read HDF5 with h5py; bindings and notebooks)
  python3 python3-numpy python3-h5py python3-pandas python3-pytest pybind11-dev python3-pybind11
  python3-dev python3-matplotlib python3-nbclient python3-nbformat python3-ipykernel python3-scipy
  # `trede export --format xlsx` writes workbooks with openpyxl; the report tests read screenshots with PIL
  python3-openpyxl python3-pil
  # pandas' Styler (notebook 05 shows tables with DataFrame.style) needs jinja2
  python3-jinja2
  # `pip install ./bindings/python` into a virtual environment, offline
  python3-venv python3-pip python3-setuptools python3-wheel
  # progress bars with a time estimate in Python
  python3-tqdm
  # the progress bar is checked in a real terminal (tests/cli/test_terminal.py)
  tmux
  # the HTML report is checked in a real headless browser
  chromium
  # MPI across machines
  openmpi-bin libopenmpi-dev
  # bench/: whole-process timings (/usr/bin/time, bench/scaling.sh) and instruction counts (callgrind)
  time valgrind
  # tests/cli/test_outputs.py: the order of renames and syncs of a commit, seen by strace
  strace
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
