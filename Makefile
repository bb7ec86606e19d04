# kanal — build, run, test, bench. `make run` and `make test` do all set-up.
# Targets: all run test bench lint format install clean deps fuzz

PREFIX ?= /usr/local
CC ?= cc
BENCH ?=
VERSION := 0.1.0

PKGS := libmicrohttpd jansson sqlite3 libpq libsodium libical libutf8proc libcurl
# libvips is not linked: src/media/vips_dl.c loads it with dlopen on the
# first upload (it brings ~100 shared libraries). Its headers are needed;
# VIPS_LIBS is for the programs that call it directly (test_media, gen_seeds).
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) vips 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl -lpthread -lm
VIPS_LIBS = $(shell pkg-config --libs vips 2>/dev/null)

WARN := -std=c17 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
# Connectors built from their own files join the table in src/net/connector.c.
# src/net/NAME.c for NAME in this list defines conn_NAME and -DKANAL_HAVE_NAME.
NETWORK_FILES := $(wildcard $(patsubst %,src/net/%.c,bluesky mastodon x linkedin facebook instagram threads))
CONNECTORS := $(foreach f,$(NETWORK_FILES),-DKANAL_HAVE_$(shell echo $(basename $(notdir $(f))) | tr a-z A-Z))
COMMON = $(WARN) $(CONNECTORS) -D_GNU_SOURCE -DKANAL_VERSION=\"$(VERSION)\" -Isrc -Ibuild/gen -fstack-protector-strong -MMD -MP $(PKG_CFLAGS)
REL_CFLAGS = $(COMMON) -O2 -g -D_FORTIFY_SOURCE=3
# KANAL_TEST_HOOKS: failure switches for tests (KANAL_TEST_RESEAL_FAIL_AFTER), never in build/kanal.
ASAN_CFLAGS = $(COMMON) -DKANAL_TEST_HOOKS -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_LDFLAGS = -fsanitize=address,undefined

SRC := $(shell find src -name '*.c' ! -name main.c | LC_ALL=C sort)
SQL := $(sort $(wildcard sql/sqlite/*.sql sql/pg/*.sql))
WEB := $(shell find web -type f ! -name '*~' 2>/dev/null | LC_ALL=C sort)
DOCS := $(wildcard docs/openapi.json)
VENDOR := node_modules/htm/preact/standalone.module.js
UNIT := $(patsubst tests/unit/%.c,build/asan/tests/%,$(wildcard tests/unit/test_*.c))

REL_OBJ := $(patsubst src/%.c,build/rel/%.o,$(SRC)) build/rel/gen/embedded.o build/rel/gen/tlds.o
ASAN_OBJ := $(patsubst src/%.c,build/asan/%.o,$(SRC)) build/asan/gen/embedded.o build/asan/gen/tlds.o

.PHONY: all run test bench lint format install clean deps deps-test unit fuzz fuzz-seeds
.DELETE_ON_ERROR:

all: build/kanal

build/kanal: build/rel/main.o build/rel/libkanal.a
	$(CC) -o $@ $^ $(PKG_LIBS)

build/asan/kanal: build/asan/main.o build/asan/libkanal.a
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/rel/libkanal.a: $(REL_OBJ)
	rm -f $@ && ar rcs $@ $^

build/asan/libkanal.a: $(ASAN_OBJ)
	rm -f $@ && ar rcs $@ $^

build/rel/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -c -o $@ $<

build/asan/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -c -o $@ $<

build/rel/net/connector.o build/asan/net/connector.o: $(NETWORK_FILES)

build/rel/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -c -o $@ $<

build/asan/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -c -o $@ $<

# The top-level domains the reference libraries accept, taken from the
# npm packages at build time so that kanal detects URLs exactly as they do.
build/gen/tlds.c: tools/gen_tlds.mjs $(VENDOR)
	@mkdir -p $(@D)
	node tools/gen_tlds.mjs > $@.tmp && mv $@.tmp $@

# Migrations and the UI (with its npm library) are embedded in the binary.
build/gen/embedded.c: build/tools/embed $(SQL) $(WEB) $(DOCS) $(VENDOR)
	@mkdir -p $(@D)
	build/tools/embed $@ $(foreach f,$(SQL) $(WEB) $(DOCS),$(f)=$(f)) web/vendor/htm-preact.js=$(VENDOR)

build/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -o $@ $<

$(VENDOR): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# test_media makes its test images with libvips itself; media_init's
# dlopen then finds the copy already loaded.
build/asan/tests/test_media: TEST_LIBS = $(VIPS_LIBS)

build/asan/tests/%: tests/unit/%.c build/asan/libkanal.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -Itests/unit -o $@ $< build/asan/libkanal.a $(ASAN_LDFLAGS) $(PKG_LIBS) $(TEST_LIBS) -lcmocka

unit: $(UNIT)

# libFuzzer targets (clang): `make fuzz` runs each for FUZZ_SECONDS on a
# working corpus in build/fuzz/corpus grown from tests/fuzz/seeds; `make
# test` only replays the seeds. The seeds are made by tests/fuzz/gen_seeds.c.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -std=c17 -g -O1 -D_GNU_SOURCE -DKANAL_VERSION=\"$(VERSION)\" -Isrc -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS)
FUZZ_MEDIA_SRC := src/media/sniff.c src/media/probe.c src/media/vips_dl.c src/base/err.c src/base/buf.c src/base/log.c
FUZZ_MP_SRC := src/http/multipart.c src/base/err.c src/base/buf.c src/base/json.c src/base/time.c src/base/log.c

build/fuzz/fuzz_media_probe: tests/fuzz/fuzz_media_probe.c $(FUZZ_MEDIA_SRC) src/media/media.h src/media/vips_dl.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(PKG_LIBS)

build/fuzz/fuzz_multipart: tests/fuzz/fuzz_multipart.c $(FUZZ_MP_SRC) src/http/multipart.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(PKG_LIBS)

build/fuzz/gen_seeds: tests/fuzz/gen_seeds.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -O1 -g -Wall -Wextra -D_GNU_SOURCE $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS) $(VIPS_LIBS)

fuzz-seeds: build/fuzz/gen_seeds
	build/fuzz/gen_seeds tests/fuzz/seeds

fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "kanal: make fuzz needs clang (apt-get install clang)" >&2; exit 1; }
	@$(MAKE) --no-print-directory build/fuzz/fuzz_media_probe build/fuzz/fuzz_multipart
	@scripts/fuzz.sh run $(FUZZ_SECONDS)

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	./build/kanal demo

test: deps-test
	@$(MAKE) --no-print-directory build/asan/kanal unit
	@scripts/test.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh $(BENCH)

lint: deps
	@scripts/lint.sh

format:
	clang-format -i $$(find src tests/unit tools bench -name '*.[ch]')

install: all
	install -D -m 755 build/kanal $(DESTDIR)$(PREFIX)/bin/kanal
	install -D -m 644 docs/kanal.1 $(DESTDIR)$(PREFIX)/share/man/man1/kanal.1

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
