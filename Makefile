# Front door over CMake. `make run` and `make test` do all set-up on a fresh Debian 12 machine.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
REPO ?=
CMAKE_FLAGS ?=

.PHONY: all deps build test run bench sanitize format format-check clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

run: deps
	$(MAKE) build
	@bash scripts/run.sh $(BUILD)/rtlassist "$(REPO)"

bench: deps
	$(MAKE) build
	@bash tests/bench/run.sh $(BUILD)

sanitize: deps
	$(MAKE) build BUILD=build-asan BUILD_TYPE=Debug CMAKE_FLAGS="-DRA_SANITIZE=ON"
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ctest --output-on-failure -j $(JOBS)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' '*.cpp' 2>/dev/null)

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD) build-asan
