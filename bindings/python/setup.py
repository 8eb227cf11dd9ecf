"""Builds the trede package for pip (configuration in pyproject.toml).

`pip install --no-build-isolation ./bindings/python` runs the project's own CMake build (the C++
library, the extension `trede._core`, the `trede` program) and installs what `cmake --install`
would install into a prefix, with the Python environment as the prefix:

    <env>/lib/python3.X/site-packages/trede/   the package (Python sources, _core, stubs)
    <env>/lib/libtrede.so.*                    the library, found by _core and bin/trede via RPATH
    <env>/bin/trede                            the command-line program (`trede report` included)
    <env>/share/trede/models/                  the shipped models (trede.models_dir())
    <env>/include/trede/, <env>/lib/cmake/trede/   for C++: find_package(trede) with CMAKE_PREFIX_PATH=<env>

Environment:
    TREDE_CMAKE_BUILD_DIR   the CMake build directory (default: build/pip in the repository). A
                            directory this script configured is configured again with its settings
                            and rebuilt where something changed; an existing build tree configured
                            by someone else (e.g. build/release, built) is installed from as it is:
                            never reconfigured or rebuilt.
    TREDE_CMAKE_ARGS        extra arguments for the CMake configure step, separated by spaces
    TREDE_PIP_BUILD_BASE    setuptools' own build directory (default: build/pip-setuptools)
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build import build

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _version() -> str:
    m = re.search(r"project\(trede\s+VERSION\s+([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    if not m:
        raise RuntimeError(f"{ROOT / 'CMakeLists.txt'}: no project(trede VERSION ...)")
    return m.group(1)


def _site_dir() -> str:
    """Where this environment keeps packages, relative to where it keeps data files (its prefix):
    e.g. lib/python3.11/site-packages in a virtual environment."""
    return os.path.relpath(sysconfig.get_path("platlib"), sysconfig.get_path("data"))


def _run(cmd):
    print("+ " + " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True)


class BinaryDistribution(Distribution):
    """The wheel holds a compiled extension: tag it for this platform and Python."""

    def has_ext_modules(self):
        return True


class CMakeBuild(build):
    """Builds and installs the CMake project into a staging prefix, then lays the install tree out
    as the wheel: the package in the platform library directory, everything else as data files
    relative to the environment's prefix."""

    def run(self):
        if not (ROOT / "CMakeLists.txt").exists() or not (ROOT / "libsim").is_dir():
            raise RuntimeError(f"{HERE}: build from the trede repository (the C++ sources must be at {ROOT})")
        build = Path(os.environ.get("TREDE_CMAKE_BUILD_DIR") or ROOT / "build" / "pip").resolve()
        stage = Path(self.build_lib).resolve().parent / "trede-install"
        mine = build / "trede-pip-build.txt"  # marks a build tree this script configured
        if mine.exists() or not (build / "CMakeCache.txt").exists():
            configure = ["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                         "-DTREDE_BUILD_TESTS=OFF", "-DTREDE_BUILD_BENCH=OFF", "-DTREDE_BUILD_PYTHON=ON",
                         "-DTREDE_BUILD_CLI=ON", f"-DPython3_EXECUTABLE={sys.executable}",
                         f"-DTREDE_PYTHON_INSTALL_DIR={_site_dir()}"]
            if not (build / "CMakeCache.txt").exists() and shutil.which("ninja"):
                configure += ["-G", "Ninja"]
            if shutil.which("ccache"):
                configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
            configure += shlex.split(os.environ.get("TREDE_CMAKE_ARGS", ""))
            _run(configure)
            mine.write_text("configured by bindings/python/setup.py (pip install)\n")
            _run(["cmake", "--build", build])
        else:
            print(f"installing from the build tree {build} as it is (built by its owner)", flush=True)
        shutil.rmtree(stage, ignore_errors=True)
        _run(["cmake", "--install", build, "--prefix", stage])

        # The package, wherever that tree's TREDE_PYTHON_INSTALL_DIR put it (site-packages or
        # dist-packages: both lie at the same depth below the prefix, so the RPATH to lib/ holds).
        found = sorted(stage.glob("lib/python3*/*-packages/trede/__init__.py"))
        if len(found) != 1:
            raise RuntimeError(f"cmake --install put {len(found)} trede packages below {stage}")
        package = found[0].parent
        site = package.parent.relative_to(stage)
        target = Path(self.build_lib) / "trede"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(package, target)
        # The rest of the install tree, by directory. A wheel holds no symbolic links: a link is
        # stored as a copy of its file, except the development link libtrede.so, which nothing
        # needs at run time or through the CMake package (it names libtrede.so.X.Y.Z).
        data = {}
        for path in sorted(stage.rglob("*")):
            rel = path.relative_to(stage)
            if path.is_dir() or rel.parts[: len(site.parts)] == site.parts:
                continue
            if path.is_symlink() and path.name.endswith(".so"):
                continue
            data.setdefault(str(rel.parent), []).append(str(path))
        # install_data reads this list later in the same build (bdist_wheel runs build first).
        self.distribution.data_files[:] = sorted(data.items())
        super().run()


BUILD_BASE = os.environ.get("TREDE_PIP_BUILD_BASE") or str(ROOT / "build" / "pip-setuptools")
Path(BUILD_BASE).mkdir(parents=True, exist_ok=True)

setup(
    version=_version(),
    packages=[],
    data_files=[],
    distclass=BinaryDistribution,
    cmdclass={"build": CMakeBuild},
    options={"build": {"build_base": BUILD_BASE}, "egg_info": {"egg_base": BUILD_BASE}},
    zip_safe=False,
)
