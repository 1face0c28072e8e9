/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench.c — clock, statistics, dataset and request bodies for the
 * benchmark drivers (see bench.h). Percentiles are nearest-rank: p99 of
 * 2,000 samples is the 1,980th smallest, a value that was really measured.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t rank(const uint64_t *v, size_t n, double pct)
{
	size_t k = (size_t)((pct / 100.0) * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

void bench_stats(uint64_t *v, size_t n, struct bench_stats *out)
{
	double sum = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	out->mean = sum / (double)n;
	out->min = v[0];
	out->p50 = rank(v, n, 50);
	out->p95 = rank(v, n, 95);
	out->p99 = rank(v, n, 99);
	out->max = v[n - 1];
}

void bench_print_stats(const char *prefix, const struct bench_stats *s)
{
	printf(" %sn=%zu %sp50=%.3f %sp95=%.3f %sp99=%.3f %smax=%.3f %smean=%.3f",
	       prefix, s->n, prefix, (double)s->p50 / 1e6, prefix,
	       (double)s->p95 / 1e6, prefix, (double)s->p99 / 1e6, prefix,
	       (double)s->max / 1e6, prefix, s->mean / 1e6);
}

/* Copy TSV field f of line (0-based), "-" meaning empty. */
static int field(const char *line, int f, char *out, size_t outlen)
{
	const char *p = line, *end;
	size_t len;

	for (int i = 0; i < f; i++) {
		p = strchr(p, '\t');
		if (!p)
			return -1;
		p++;
	}
	end = p + strcspn(p, "\t\n");
	len = (size_t)(end - p);
	if (len == 1 && *p == '-')
		len = 0;
	if (len >= outlen)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

size_t bench_load_persons(const char *path, struct bench_person **out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0, alloc = 0;
	struct bench_person *v = NULL;

	*out = NULL;
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		struct bench_person p;

		if (line[0] == '#')
			continue;
		if (field(line, 3, p.insurer, sizeof(p.insurer)) ||
		    field(line, 4, p.symbol, sizeof(p.symbol)) ||
		    field(line, 5, p.number, sizeof(p.number)) ||
		    field(line, 6, p.branch, sizeof(p.branch)) ||
		    field(line, 7, p.birth, sizeof(p.birth)))
			continue;
		if (n == alloc) {
			struct bench_person *nv;

			alloc = alloc ? alloc * 2 : 1024;
			nv = realloc(v, alloc * sizeof(*v));
			if (!nv)
				bench_die("out of memory loading %s", path);
			v = nv;
		}
		v[n++] = p;
	}
	free(line);
	fclose(f);
	*out = v;
	return n;
}

char *bench_request_xml(const struct bench_person *p, size_t np, size_t i,
			const char *tag, const char *code, size_t *len)
{
	const struct bench_person *r = &p[i % np];
	char *xml = NULL;
	int n;

	n = asprintf(&xml,
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<XmlMsg><MessageHeader>\n"
		     "<QualificationConfirmationDate>20261125</QualificationConfirmationDate>\n"
		     "<MedicalInstitutionCode>%s</MedicalInstitutionCode>\n"
		     "<ArbitraryFileIdentifier>AFI-%s-%zu</ArbitraryFileIdentifier>\n"
		     "<ReferenceClassification>2</ReferenceClassification>\n"
		     "</MessageHeader><MessageBody><QualificationConfirmSearchInfo>\n"
		     "<InsurerNumber>%s</InsurerNumber><InsuredCardSymbol>%s</InsuredCardSymbol>\n"
		     "<InsuredIdentificationNumber>%s</InsuredIdentificationNumber>\n"
		     "<InsuredBranchNumber>%s</InsuredBranchNumber><Birthdate>%s</Birthdate>\n"
		     "</QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n",
		     code, tag, i, r->insurer, r->symbol, r->number, r->branch,
		     r->birth);
	if (n < 0)
		bench_die("out of memory");
	*len = (size_t)n;
	return xml;
}
