# Sediment: the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
DEMO_ARCHIVE ?= demo-archive
PREFIX ?= /usr/local

.PHONY: setup build release install demo test bench schema clean

# Installs what is missing (apt and pip packages); fast when everything is there.
setup:
	@scripts/setup

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
	@scripts/demo "$(DEMO_ARCHIVE)"

test: build
	$(SWIFT) test

bench: release
	@Benchmarks/run

# Regenerates the embedded migrations from Schema/*.sql.
schema:
	@scripts/embed-schema

clean:
	rm -rf .build "$(DEMO_ARCHIVE)" "$(DEMO_ARCHIVE)-bucket"
