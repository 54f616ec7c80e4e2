# A thin layer over CMake: each target installs what it needs (scripts/bootstrap) and
# builds first. Build trees: build/ (plain, gcc) and build-san/ (clang, ASan + UBSan, fuzzers).
JOBS ?= $(shell nproc)
MAKEFLAGS += --no-print-directory
CMAKE_FLAGS ?=

.PHONY: all bootstrap build build-san demo check fuzz bench soak install clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake -S . -B build -DKEEL_BENCH=ON -DKEEL_TESTS=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

build-san: bootstrap
	@CC=clang cmake -S . -B build-san -DKEEL_SANITIZE=ON -DKEEL_FUZZ=ON -DKEEL_BENCH=OFF \
	  $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-san -j $(JOBS)

# Provision the reference device, start it, audit it, print the summary, write the report.
demo: build
	@scripts/demo

# The whole test suite: both builds, every test, fuzz smoke, static analysis, the rules.
check: bootstrap
	@scripts/check

# Long fuzzing campaigns: FUZZ_SECONDS per target (default 300).
fuzz: build-san
	@scripts/fuzz

# Benchmarks: each prints its figures and the ratio against its named reference.
bench: build
	@scripts/bench

# Long power-loss and endurance runs (thousands of kills), beyond what make check affords.
soak: build
	@scripts/soak

install: build
	@cmake --install build

clean:
	rm -rf build build-san build-prod
