/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_manifest.c — libFuzzer target for the maintenance manifest parser
 * (src/maintenance/manifest.h onshi_manifest_parse). In the daemon it only sees bytes
 * whose Ed25519 signature verified, so this guards against a signing-key
 * holder (or a signing tool bug) handing the terminal a hostile manifest.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct onshi_manifest m; /* large: keep it off the stack */
	char msg[256];

	(void)onshi_manifest_parse(data, size, &m, msg, sizeof msg);
	return 0;
}
