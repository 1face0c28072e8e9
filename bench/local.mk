# bench/ — `make bench`: latency, throughput and footprint tables on
# loopback (bench/run drives them; results in bench/results/latest.md).
# The drivers are EXTRA_PROGRAMS: built only by `make bench`, never by
# `make`, `make check` or `make install`.
EXTRA_PROGRAMS = bench/oqs-load bench/raw-client bench/ctl-bench

BENCH_COMMON = bench/bench.c bench/bench.h

bench_oqs_load_SOURCES = bench/oqs-load.c $(BENCH_COMMON)
bench_oqs_load_CPPFLAGS = -I$(top_srcdir)/bench

bench_raw_client_SOURCES = bench/raw-client.c $(BENCH_COMMON)
bench_raw_client_CPPFLAGS = -I$(top_srcdir)/bench
bench_raw_client_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
bench_raw_client_LDADD = $(CURL_LIBS)

bench_ctl_bench_SOURCES = bench/ctl-bench.c $(BENCH_COMMON)
bench_ctl_bench_CPPFLAGS = -I$(top_srcdir)/bench

EXTRA_DIST += bench/run bench/SCALING.md bench/results/README.md
CLEANFILES += $(EXTRA_PROGRAMS)

# BENCH_FLAGS passes options to bench/run (e.g. BENCH_FLAGS=--quick).
BENCH_FLAGS =
.PHONY: bench
bench: $(EXTRA_PROGRAMS) core/onshid core/onshictl tools/onshi-qsd \
	plugins/rececon/oqsfolder/oqsfolder.la plugins/readers/example/example.la
	$(SHELL) $(top_srcdir)/bench/run --builddir '$(abs_top_builddir)' \
		--srcdir '$(abs_top_srcdir)' $(BENCH_FLAGS)
