/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench.h — helpers shared by the benchmark drivers in bench/: a monotonic
 * clock, latency statistics (nearest-rank percentiles), the insured persons
 * of an onshi-qsd dataset dump and the individual-inquiry request bodies
 * built from them. The folder driver (oqs-load) and the raw libcurl client
 * (raw-client) build byte-for-byte the same XmlMsg for the same index, so
 * their numbers compare the same requests. Benchmarks only: not installed.
 */
#ifndef ONSHI_BENCH_H
#define ONSHI_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t bench_now_ns(void);

/* Latency summary in nanoseconds; sorts v in place. */
struct bench_stats {
	size_t n;
	uint64_t p50, p95, p99, max, min;
	double mean;
};
void bench_stats(uint64_t *v, size_t n, struct bench_stats *out);
/* "p50=… p95=… p99=… max=… mean=…" in milliseconds, appended to a line. */
void bench_print_stats(const char *prefix, const struct bench_stats *s);

/* The search keys of one dataset record. */
struct bench_person {
	char insurer[16], symbol[48], number[48], branch[8], birth[12];
};

/* Load the --dump-dataset TSV; returns the count, 0 on failure. */
size_t bench_load_persons(const char *path, struct bench_person **out);

/*
 * The XmlMsg OQSsiquc01req for request i (person i modulo the dataset),
 * with ArbitraryFileIdentifier "AFI-<tag>-<i>". Returns a malloc'd string.
 */
char *bench_request_xml(const struct bench_person *p, size_t np, size_t i,
			const char *tag, const char *code, size_t *len);

/* Die with a message (benchmarks stop at the first surprise). */
void bench_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
