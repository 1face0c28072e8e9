/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcsc-floor.c — the card I/O floor of a PC/SC read, for benchmarks: a
 * minimal PC/SC application doing what the pcsc plugin does with the card
 * and nothing else (no national calls, no onshid), through the same
 * pcscd, vpcd and onshi-card-emu.
 *
 * Per read: SIGUSR1 to onshi-card-emu (card out, back in a second later;
 * the first card is in already), wait with SCardGetStatusChange for the
 * card, SCardConnect, send the APDUs of --apdus (one hex command per line:
 * the very commands the plugin sent in the onshi run, taken from the
 * emulator's log), SCardDisconnect with a reset. The clock starts at the
 * emulator's "card inserted" line (stamped on arrival by `card-load
 * --stamp`, CLOCK_MONOTONIC as here) and stops when the disconnect
 * returns: card detection, power-up and every APDU's way through pcscd
 * and vpcd into the card and back. Each answer must end in a status word
 * (90 00, or 63 Cx for the PIN try counter).
 *
 * Output: one line "RESULT key=value ..." on stdout (times in ms).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <winscard.h>
#include <wintypes.h>

#include "bench.h"

struct apdu {
	unsigned char b[300];
	size_t n;
};

static size_t load_apdus(const char *path, struct apdu **out)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	size_t n = 0;
	struct apdu *v = NULL;

	if (!f)
		bench_die("pcsc-floor: cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct apdu a = { .n = 0 };
		char *p = line;
		unsigned x;
		int used;

		while (sscanf(p, " %2x%n", &x, &used) == 1 && a.n < sizeof(a.b)) {
			a.b[a.n++] = (unsigned char)x;
			p += used;
		}
		if (a.n < 4)
			continue;
		v = realloc(v, (n + 1) * sizeof(*v));
		if (!v)
			bench_die("out of memory");
		v[n++] = a;
	}
	fclose(f);
	*out = v;
	return n;
}

/* CLOCK_MONOTONIC stamp of the k-th (0-based) "card inserted" line. */
static int inserted_at(const char *stamps, size_t k, uint64_t *t)
{
	FILE *f = fopen(stamps, "r");
	char line[4096];
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (!strstr(line, "card inserted") || sscanf(line, "%llu", &v) != 1)
			continue;
		if (k-- == 0) {
			*t = v;
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

static void usage(void)
{
	fprintf(stderr, "usage: pcsc-floor --emu-pid PID --stamps FILE --apdus FILE "
			"--count N [--warmup W] [--reader NAME]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "emu-pid", 1, NULL, 'P' }, { "stamps", 1, NULL, 's' },
		{ "apdus", 1, NULL, 'a' },   { "count", 1, NULL, 'n' },
		{ "warmup", 1, NULL, 'w' },  { "reader", 1, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *stamps = NULL, *apdus = NULL, *reader = "Virtual PCD 00 00";
	size_t count = 0, warmup = 0, na, base = 0, total;
	pid_t pid = 0;
	struct apdu *ap;
	SCARDCONTEXT ctx;
	SCARD_READERSTATE rs;
	uint64_t *lat, *t1;
	struct bench_stats st;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'P': pid = (pid_t)atol(optarg); break;
		case 's': stamps = optarg; break;
		case 'a': apdus = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'w': warmup = strtoul(optarg, NULL, 10); break;
		case 'r': reader = optarg; break;
		default: usage();
		}
	}
	if (pid <= 0 || !stamps || !apdus || !count)
		usage();
	na = load_apdus(apdus, &ap);
	if (!na)
		bench_die("pcsc-floor: no APDUs in %s", apdus);
	total = count + warmup;
	lat = calloc(total, sizeof(*lat));
	t1 = calloc(total, sizeof(*t1));
	if (!lat || !t1)
		bench_die("out of memory");
	/* insertions already in the log (earlier runs) come before ours */
	while (inserted_at(stamps, base, &t1[0]) == 0)
		base++;
	if (base == 0)
		bench_die("pcsc-floor: no card inserted yet in %s", stamps);
	base--; /* the card in the reader now is our first */
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
		bench_die("pcsc-floor: no PC/SC service");
	memset(&rs, 0, sizeof(rs));
	rs.szReader = reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	for (size_t i = 0; i < total; i++) {
		SCARDHANDLE h;
		DWORD proto;
		uint64_t until = bench_now_ns() + 30000000000ull;
		int seen_absent = i == 0;

		if (i > 0 && kill(pid, SIGUSR1) < 0)
			bench_die("pcsc-floor: cannot signal %ld: %s",
				  (long)pid, strerror(errno));
		/* wait for the card: gone first (after SIGUSR1), then present */
		for (;;) {
			LONG rv = SCardGetStatusChange(ctx, 1000, &rs, 1);

			if (bench_now_ns() > until)
				bench_die("pcsc-floor: read %zu: no card after 30 s",
					  i);
			if (rv == (LONG)SCARD_E_TIMEOUT)
				continue;
			if (rv != SCARD_S_SUCCESS)
				bench_die("pcsc-floor: SCardGetStatusChange: %s",
					  pcsc_stringify_error(rv));
			rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
			if (!(rs.dwEventState & SCARD_STATE_PRESENT))
				seen_absent = 1;
			else if (seen_absent && !(rs.dwEventState & SCARD_STATE_MUTE))
				break;
		}
		if (SCardConnect(ctx, reader, SCARD_SHARE_EXCLUSIVE,
				 SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h,
				 &proto) != SCARD_S_SUCCESS)
			bench_die("pcsc-floor: read %zu: SCardConnect failed", i);
		for (size_t k = 0; k < na; k++) {
			unsigned char resp[4096];
			DWORD rl = sizeof(resp);
			const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0
							      ? SCARD_PCI_T0
							      : SCARD_PCI_T1;
			LONG rv = SCardTransmit(h, pci, ap[k].b, (DWORD)ap[k].n,
						NULL, resp, &rl);

			if (rv != SCARD_S_SUCCESS || rl < 2 ||
			    !(resp[rl - 2] == 0x90 || resp[rl - 2] == 0x63))
				bench_die("pcsc-floor: read %zu: APDU %zu refused (%s, SW %02X%02X)",
					  i, k, pcsc_stringify_error(rv),
					  rl >= 2 ? resp[rl - 2] : 0,
					  rl >= 2 ? resp[rl - 1] : 0);
		}
		SCardDisconnect(h, SCARD_RESET_CARD);
		t1[i] = bench_now_ns();
	}
	usleep(100000);
	for (size_t i = 0; i < total; i++) {
		uint64_t t0;

		if (inserted_at(stamps, base + i, &t0) < 0 || t0 > t1[i])
			bench_die("pcsc-floor: read %zu: no insertion stamped", i);
		lat[i] = t1[i] - t0;
	}
	bench_stats(lat + warmup, count, &st);
	printf("RESULT tool=pcsc-floor count=%zu apdus=%zu", count, na);
	bench_print_stats("", &st);
	printf("\n");
	SCardReleaseContext(ctx);
	free(ap);
	free(lat);
	free(t1);
	return 0;
}
