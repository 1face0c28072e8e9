/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ws8_csv.c — libFuzzer target for the WiseStaff-8 CSV protocol
 * (plugins/rececon/wisestaff8/ws8_csv.h): a request file's bytes are
 * decoded (CP932 or UTF-8 after a BOM), parsed as CSV and as a request,
 * and the parsed fields go back out through the CSV writer, the CP932
 * encoder and the half-width kana converter, as a result line would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws8_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[256], *text = NULL;
	size_t textlen = 0;

	/* The undecoded bytes as CSV too: the parser must not rely on decode. */
	struct ws8_csv raw = { 0 };
	char *copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	(void)ws8_csv_parse(copy, size, &raw, msg, sizeof msg);
	ws8_csv_free(&raw);
	free(copy);

	if (ws8_decode((const char *)data, size, &text, &textlen, msg, sizeof msg) != 0)
		return 0;

	struct ws8_csv csv = { 0 };
	if (ws8_csv_parse(text, textlen, &csv, msg, sizeof msg) == 0) {
		char *buf = NULL;
		size_t len = 0, cap = 0;

		for (size_t i = 0; i < csv.n; i++)
			if (ws8_csv_append(&buf, &len, &cap,
					   (const char *const *)csv.r[i].f,
					   csv.r[i].n) != 0)
				break;
		if (buf != NULL) {
			char *enc = NULL;
			size_t enclen = 0, subst = 0;

			if (ws8_encode_cp932(buf, len, &enc, &enclen, &subst) == 0)
				free(enc);
			free(buf);
		}
	}
	ws8_csv_free(&csv);

	struct ws8_request req;
	const char *code = NULL;
	memset(&req, 0, sizeof req);
	(void)ws8_request_parse(text, textlen, &req, &code, msg, sizeof msg);
	ws8_request_free(&req);

	char *half = ws8_halfwidth_kana(text);
	free(half);
	free(text);
	return 0;
}
