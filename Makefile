# Thin wrapper around CMake (build dir: build/). See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=

DEB_PACKAGES := build-essential cmake pkg-config clang llvm libclang-rt-14-dev \
	libseccomp-dev libyaml-dev libcjson-dev libsodium-dev libpcre2-dev libsqlite3-dev \
	libmicrohttpd-dev libcurl4-openssl-dev libc-ares-dev libunwind-dev libelf-dev \
	libcmocka-dev libssl-dev libfuse3-dev fuse3 libbpf-dev bpftool strace python3.11 \
	libpython3.11-testsuite jq curl git openssl iproute2 dnsutils

.PHONY: all deps build demo test test-asan bench fuzz format clean

all: build

deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(DEB_PACKAGES) 2>/dev/null \
		| awk '$$NF=="installed"{print $$1}' | sort > /tmp/.agentsh-have; \
		for p in $(DEB_PACKAGES); do grep -qx "$$p" /tmp/.agentsh-have || echo $$p; done); \
	rm -f /tmp/.agentsh-have; \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	@bash demo/demo.sh $(BUILD)/agentsh

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DAGENTSH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j$(JOBS)

bench: build
	@bash bench/run.sh $(BUILD)

fuzz:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DAGENTSH_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-20}

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
