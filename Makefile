# gilsim: the Makefile only wraps meson. Both targets set everything up on a
# fresh Debian machine: missing packages are installed with apt-get when run
# as root (otherwise the exact command is printed), meson is configured, the
# code is compiled.
#
#   make run    build, then open the viewer on the built-in scenario
#               (without a display: render it to out/convoy.png and print the run)
#   make test   build, then run the whole suite, plain and under ASan+UBSan
#               (a minute of it fuzzes: see tests/fuzz/README.md)
#   make fuzz   libFuzzer on the loader and a bounded run, plus generated
#               scenarios: FUZZ_SECONDS=3600 FUZZ_JOBS=2 for an hour on 2 cores

DEBS := gcc meson ninja-build pkg-config python3 libcjson-dev libsdl2-dev zlib1g-dev \
        libsdl2-ttf-dev libsdl2-image-dev xvfb xdotool imagemagick librsvg2-bin \
        fonts-dejavu-core man-db

# libFuzzer needs clang and its runtime (Debian 12: clang 14).
FUZZ_DEBS := clang libclang-rt-14-dev

BUILD := build
ASAN_BUILD := build-asan
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 2
FUZZ_GENERATED ?= 1000

.PHONY: all deps fuzz-deps build build-asan run test test-plain test-asan fuzz fuzz-build bench clean

all: build

deps fuzz-deps:
	@missing=""; \
	for p in $(if $(filter fuzz-deps,$@),$(FUZZ_DEBS),$(DEBS)); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "gilsim needs these Debian packages:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) --buildtype=debugoptimized

$(ASAN_BUILD)/build.ninja: | deps
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

run: build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  ./$(BUILD)/gilsim view; \
	else \
	  mkdir -p out; \
	  ./$(BUILD)/gilsim view --headless out/convoy.png; \
	fi

test-plain: build
	-meson test -C $(BUILD) --print-errorlogs --num-processes 2 > $(BUILD)/test-output.txt 2>&1; cat $(BUILD)/test-output.txt

test-asan: build-asan
	-meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 > $(ASAN_BUILD)/test-output.txt 2>&1; cat $(ASAN_BUILD)/test-output.txt

test: build build-asan
	@$(MAKE) --no-print-directory test-plain test-asan
	@python3 tools/test_summary.py $(BUILD) $(ASAN_BUILD)

# The fuzz harness is compiled straight from the sources with clang: the
# simulation library and the report and export code, with ASan, UBSan,
# libFuzzer's coverage and the engine's invariant checks after every event.
FUZZ_SRCS := $(wildcard sim/*.c) analysis/run.c analysis/explain.c analysis/run_report.c analysis/figures.c analysis/duration_text.c analysis/csv.c \
             analysis/trace_export_out.c analysis/trace_export_chrome.c analysis/trace_export_csv.c \
             tests/fuzz/fuzz_scenario.c
FUZZ_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
               -DSIM_CHECK_INVARIANTS -Isim -Ianalysis

$(FUZZ_BUILD)/fuzz_scenario: $(FUZZ_SRCS) $(wildcard sim/*.h analysis/*.h)
	@mkdir -p $(FUZZ_BUILD)
	clang $(FUZZ_CFLAGS) $$(pkg-config --cflags libcjson) $(FUZZ_SRCS) $$(pkg-config --libs libcjson) -lm -o $@

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BUILD)/fuzz_scenario

# FUZZ_SECONDS of libFuzzer on FUZZ_JOBS cores, then FUZZ_GENERATED valid
# random scenarios through the ASan+UBSan build; findings go to
# build-fuzz/artifacts and build-fuzz/generated.
fuzz: fuzz-build build-asan
	tests/fuzz/run_fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_JOBS)
	python3 tests/fuzz/gen_scenarios.py --gilsim $(ASAN_BUILD)/gilsim --count $(FUZZ_GENERATED) \
	  --jobs $(FUZZ_JOBS) --keep $(FUZZ_BUILD)/generated

bench: build
	./$(BUILD)/gilsim bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) out
