/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_xmlmsg.c — libFuzzer target for the XmlMsg codec (onshi/message.h):
 * the input is parsed as every message kind, and whatever parses is written
 * back in UTF-8 and CP932, so both the parser and the writer see hostile
 * models. Built and run by tests/fuzz/run.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <onshi/message.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum onshi_msg_kind kinds[] = {
	ONSHI_MSG_INQUIRY_REQUEST,
	ONSHI_MSG_INQUIRY_RESULT,
	ONSHI_MSG_BULK_REQUEST,
	ONSHI_MSG_BULK_RECEPTION,
	ONSHI_MSG_BULK_FETCH,
	ONSHI_MSG_BULK_RESULT,
	ONSHI_MSG_ERROR,
	ONSHI_MSG_DRUG_REQUEST,
	ONSHI_MSG_DRUG_RESULT,
	ONSHI_MSG_CHECKUP_REQUEST,
	ONSHI_MSG_CHECKUP_RESULT,
	ONSHI_MSG_ONLINE_BULK_REQUEST,
	ONSHI_MSG_ONLINE_BULK_FETCH,
	ONSHI_MSG_HOMEVISIT_BULK_REQUEST,
	ONSHI_MSG_MEDAID_BULK_REQUEST,
	ONSHI_MSG_MEDAID_BULK_RESULT,
	ONSHI_MSG_REFNUM_REQUEST,
	ONSHI_MSG_REFNUM_RESULT,
	ONSHI_MSG_REFNUM_BULK_REQUEST,
	ONSHI_MSG_REFNUM_BULK_RESULT,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	char why[256];

	if (!initialised) {
		onshi_xmlmsg_init();
		initialised = 1;
	}
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		struct onshi_msg m;

		if (onshi_msg_parse(kinds[k], (const char *)data, size, NULL,
				    &m, why, sizeof why) == ONSHI_OK) {
			for (int cs = ONSHI_CHARSET_UTF8;
			     cs <= ONSHI_CHARSET_CP932; cs++) {
				char *out = NULL;
				size_t outlen = 0, subst = 0;

				if (onshi_msg_write(&m, (enum onshi_charset)cs,
						    &out, &outlen, &subst, why,
						    sizeof why) == ONSHI_OK)
					free(out);
			}
			/* The request kinds also start their result. */
			struct onshi_msg res;
			if (onshi_msg_result_for(&m, &res) == ONSHI_OK)
				onshi_msg_clear(&res);
		}
		onshi_msg_clear(&m);
	}
	return 0;
}
