# SPDX-License-Identifier: Apache-2.0
# bench/ — `make bench`: latency, throughput and footprint tables on
# loopback (bench/run drives them; results in bench/results/latest.md).
# The drivers are EXTRA_PROGRAMS: built only by `make bench`, never by
# `make`, `make check` or `make install`.
EXTRA_PROGRAMS = bench/oqs-load bench/raw-client bench/ctl-bench bench/card-load

BENCH_COMMON = bench/bench.c bench/bench.h

bench_oqs_load_SOURCES = bench/oqs-load.c $(BENCH_COMMON)
bench_oqs_load_CPPFLAGS = -I$(top_srcdir)/bench

bench_raw_client_SOURCES = bench/raw-client.c $(BENCH_COMMON)
bench_raw_client_CPPFLAGS = -I$(top_srcdir)/bench
bench_raw_client_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(OPENSSL_CFLAGS)
bench_raw_client_LDADD = $(CURL_LIBS) $(OPENSSL_LIBS)

bench_card_load_SOURCES = bench/card-load.c $(BENCH_COMMON)
bench_card_load_CPPFLAGS = -I$(top_srcdir)/bench

# The PC/SC card I/O floor needs libpcsclite.
if HAVE_PCSC
EXTRA_PROGRAMS += bench/pcsc-floor
bench_pcsc_floor_SOURCES = bench/pcsc-floor.c $(BENCH_COMMON)
bench_pcsc_floor_CPPFLAGS = -I$(top_srcdir)/bench
bench_pcsc_floor_CFLAGS = $(AM_CFLAGS) $(PCSC_CFLAGS)
bench_pcsc_floor_LDADD = $(PCSC_LIBS)
endif

bench_ctl_bench_SOURCES = bench/ctl-bench.c $(BENCH_COMMON)
# spool-fill parks requests through the spool itself (src/inquiry/spool.c).
bench_ctl_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bench
bench_ctl_bench_LDADD = src/libonshid.la

EXTRA_DIST += bench/run bench/compare bench/instructions bench/SCALING.md \
	bench/results/README.md bench/results/history.csv
CLEANFILES += $(EXTRA_PROGRAMS)

# BENCH_FLAGS passes options to bench/run (e.g. BENCH_FLAGS=--quick).
BENCH_FLAGS =
.PHONY: bench
# Card latency also needs the four face-auth readers and their emulator,
# and PC/SC when configure found libpcsclite.
if HAVE_PCSC
BENCH_PCSC = plugins/readers/pcsc/pcsc.la tools/onshi-card-emu
endif
bench: $(EXTRA_PROGRAMS) src/onshid/onshid src/onshictl/onshictl tools/onshi-qsd \
	plugins/rececon/oqsfolder/oqsfolder.la plugins/readers/example/example.la \
	plugins/readers/panasonic/panasonic.la plugins/readers/fujitsu/fujitsu.la \
	plugins/readers/almex/almex.la plugins/readers/canon/canon.la \
	tools/reader-emu/onshi-reader-emu $(BENCH_PCSC)
	$(SHELL) $(top_srcdir)/bench/run --builddir '$(abs_top_builddir)' \
		--srcdir '$(abs_top_srcdir)' $(BENCH_FLAGS)
