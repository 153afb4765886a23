# gilsim: the Makefile only wraps meson. Both targets set everything up on a
# fresh Debian machine: missing packages are installed with apt-get when run
# as root (otherwise the exact command is printed), meson is configured, the
# code is compiled.
#
#   make run    build, then open the viewer on the built-in scenario
#               (without a display: render it to out/convoy.png and print the run)
#   make test   build, then run the whole suite, plain and under ASan+UBSan

DEBS := gcc meson ninja-build pkg-config python3 libcjson-dev libsdl2-dev \
        libsdl2-ttf-dev libsdl2-image-dev xvfb xdotool imagemagick

BUILD := build
ASAN_BUILD := build-asan

.PHONY: all deps build build-asan run test test-plain test-asan bench clean

all: build

deps:
	@missing=""; \
	for p in $(DEBS); do \
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

bench: build
	./$(BUILD)/gilsim bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) out
