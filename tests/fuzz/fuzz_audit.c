/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_audit.c — libFuzzer target for the audit log checker
 * (src/runtime/audit_verify.c), which `onshictl audit verify --file` runs as root
 * on whatever file it is given, and for the field reader and the masking
 * helper (src/util/mask.h) that log messages go through.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "mask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct onshi_audit_report rep;
	struct onshi_audit_record r;
	char msg[512], v[64], *s;

	(void)onshi_audit_verify_buf((const char *)data, size, &rep, msg,
				     sizeof(msg));
	(void)onshi_audit_parse((const char *)data, size, &r);
	(void)onshi_audit_field((const char *)data, size, "id", v, sizeof(v));
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	onshi_mask_number(v, sizeof(v), s);
	onshi_mask_number(v, 3, s);
	onshi_mask_name(v, sizeof(v), s);
	free(s);
	return 0;
}
