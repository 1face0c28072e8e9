/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_vici.c — libFuzzer target for strongSwan's VICI wire format
 * (src/vpn/vici_wire.h onshi_vici_segment, onshi_vici_parse). onshid reads
 * these bytes from charon's control socket, so this guards against a
 * hostile or broken charon, or another process on the socket, handing the
 * daemon a packet that crashes it, reads past the end or leaks.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "vici_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct onshi_vici_packet *p = NULL;
	char msg[256];
	long seg;

	/* The input as the daemon receives it: a length field, then data. */
	seg = onshi_vici_segment(data, size, msg, sizeof msg);
	if (seg > 0 &&
	    onshi_vici_parse(data + 4, (size_t)seg - 4, &p, msg, sizeof msg) == 0)
		onshi_vici_packet_free(p);
	/* And the whole input as one packet, so no length guess is needed. */
	p = NULL;
	if (onshi_vici_parse(data, size, &p, msg, sizeof msg) == 0)
		onshi_vici_packet_free(p);
	return 0;
}
