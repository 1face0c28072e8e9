/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_filename.c — the file names of the official folder interface.
 *
 * Request names come from a directory any receipt computer (or anyone with
 * share access) can write to, and their <id> ends up in the names we write,
 * so the id is held to a small safe alphabet: nothing that could climb out
 * of a folder, hide a file, or upset a terminal or a log.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xmlmsg_internal.h"

struct name_kind {
	const char *req; /* request prefix, with the underscore */
	const char *res; /* result prefix */
	enum onshi_msg_kind kind;
};

static const struct name_kind name_kinds[] = {
	{ "OQSsiquc01req_", "OQSsiquc01res_", ONSHI_MSG_INQUIRY_REQUEST },
	{ "OQSmuquc01req_", "OQSmuquc01res_", ONSHI_MSG_BULK_REQUEST },
	{ "OQSmuquc02req_", "OQSmuquc02res_", ONSHI_MSG_BULK_FETCH },
	{ "YZKsiquc01req_", "YZKsiquc01res_", ONSHI_MSG_DRUG_REQUEST },
	{ "TKKsiquc01req_", "TKKsiquc01res_", ONSHI_MSG_CHECKUP_REQUEST },
	{ "OQSmuonq01req_", "OQSmuonq01res_", ONSHI_MSG_ONLINE_BULK_REQUEST },
	{ "OQSmuonq02req_", "OQSmuonq02res_", ONSHI_MSG_ONLINE_BULK_FETCH },
	{ "OQSmuhvq01req_", "OQSmuhvq01res_", ONSHI_MSG_HOMEVISIT_BULK_REQUEST },
	{ "OQSmuhvq02req_", "OQSmuhvq02res_", ONSHI_MSG_HOMEVISIT_BULK_FETCH },
	{ "OQSmutic01req_", "OQSmutic01res_", ONSHI_MSG_MEDAID_BULK_REQUEST },
	{ "OQSmutic02req_", "OQSmutic02res_", ONSHI_MSG_MEDAID_BULK_FETCH },
	{ "OQSsiimm01req_", "OQSsiimm01res_", ONSHI_MSG_REFNUM_REQUEST },
	{ "OQSmuimm01req_", "OQSmuimm01res_", ONSHI_MSG_REFNUM_BULK_REQUEST },
	{ "OQSmuimm02req_", "OQSmuimm02res_", ONSHI_MSG_REFNUM_BULK_FETCH },
};

static const struct name_kind *kind_entry(enum onshi_msg_kind kind)
{
	size_t i;

	for (i = 0; i < sizeof(name_kinds) / sizeof(name_kinds[0]); i++)
		if (name_kinds[i].kind == kind)
			return &name_kinds[i];
	return NULL;
}

int onshi_file_id_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || strchr("._+=@~-", c) != NULL;
}

/* Check an id; the reason goes to msg. */
int onshi_file_id_check(const char *id, size_t n, char *msg, size_t msglen)
{
	size_t i;

	if (n == 0) {
		onshi_set_msg(msg, msglen, "the file name has an empty id");
		return ONSHI_EPERM;
	}
	if (n > ONSHI_FILE_ID_MAX) {
		onshi_set_msg(msg, msglen, "the file name's id is %zu bytes, over %d",
			      n, ONSHI_FILE_ID_MAX);
		return ONSHI_EPERM;
	}
	if (id[0] == '.') {
		onshi_set_msg(msg, msglen, "the file name's id starts with '.'");
		return ONSHI_EPERM;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c == '\0' || !onshi_file_id_char_ok(c)) {
			onshi_set_msg(msg, msglen,
				      "the file name's id holds byte 0x%02x at %zu "
				      "(allowed: letters, digits and ._+=@~-)",
				      c, i + 1);
			return ONSHI_EPERM;
		}
		if (c == '.' && i + 1 < n && id[i + 1] == '.') {
			onshi_set_msg(msg, msglen, "the file name's id contains '..'");
			return ONSHI_EPERM;
		}
	}
	return ONSHI_OK;
}

int onshi_file_name_classify(const char *name, enum onshi_msg_kind *kind,
			     char *id, size_t idlen, char *msg, size_t msglen)
{
	size_t i, n = strlen(name), pl;
	int rc;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	for (i = 0; i < sizeof(name_kinds) / sizeof(name_kinds[0]); i++) {
		pl = strlen(name_kinds[i].req);
		if (n >= pl && strncasecmp(name, name_kinds[i].req, pl) == 0)
			break;
	}
	if (i == sizeof(name_kinds) / sizeof(name_kinds[0]) || n < pl + 4 ||
	    strcasecmp(name + n - 4, ".xml") != 0) {
		char q[64];

		xmsg_quote(q, sizeof(q), name);
		onshi_set_msg(msg, msglen, "'%s' is not a request file name", q);
		return ONSHI_ENOTFOUND;
	}
	rc = onshi_file_id_check(name + pl, n - pl - 4, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	if (idlen < n - pl - 4 + 1) {
		onshi_set_msg(msg, msglen, "id buffer too small");
		return ONSHI_ETOOBIG;
	}
	memcpy(id, name + pl, n - pl - 4);
	id[n - pl - 4] = '\0';
	*kind = name_kinds[i].kind;
	return ONSHI_OK;
}

static int build(const char *prefix, const char *mid, const char *id,
		 const char *ext, char *out, size_t outlen)
{
	int n;

	if (onshi_file_id_check(id, strlen(id), NULL, 0) != ONSHI_OK)
		return ONSHI_EPERM;
	n = snprintf(out, outlen, "%s%s%s%s", prefix, mid, id, ext);
	if (n < 0 || (size_t)n >= outlen)
		return ONSHI_ETOOBIG;
	return ONSHI_OK;
}

int onshi_file_name_result(enum onshi_msg_kind kind, const char *id, bool face,
			   char *out, size_t outlen)
{
	const struct name_kind *k = kind_entry(kind);

	if (k == NULL || (face && kind != ONSHI_MSG_INQUIRY_REQUEST))
		return ONSHI_EINVAL;
	return build(k->res, face ? "face_" : "", id, ".xml", out, outlen);
}

int onshi_file_name_error(enum onshi_msg_kind kind, const char *id, char *out,
			  size_t outlen)
{
	const struct name_kind *k = kind_entry(kind);

	if (k == NULL)
		return ONSHI_EINVAL;
	return build(k->req, "", id, ".err", out, outlen);
}
