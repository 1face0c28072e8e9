/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_stream.h — batch documents too large to hold as a model: a
 * batch result document (OQSmuquc02res and the other
 * families' phase-2 results) read from a file one BulkConfirmUnit at a
 * time, so that a result of 100,000 persons never sits in memory whole:
 * libxml2's xmlTextReader walks the file; each unit's subtree is expanded,
 * mapped through the same element tables as onshi_msg_parse(), and freed
 * before the next one is read.
 *
 * The same hardening as the whole-document parser: no network, no DTD
 * (a DOCTYPE or entity declaration is refused before parsing starts), no
 * entity substitution; the text must be UTF-8 (the national service's
 * encoding), and a byte that is not is refused naming its line.
 */
#ifndef ONSHI_CODEC_XMLMSG_STREAM_H
#define ONSHI_CODEC_XMLMSG_STREAM_H

#include <stddef.h>

#include <onshi/message.h>

struct onshi_bulk_stream;

/*
 * Start reading the batch result of kind (a batch family's result kind)
 * from fd, from its start. The file may hold at most max_bytes and
 * max_units units (0: no bound). Reads up to the end of MessageHeader,
 * which onshi_bulk_stream_header() then gives. ONSHI_OK, or an error with
 * msg saying what is wrong (the stream is then NULL). fd stays the
 * caller's.
 */
int onshi_bulk_stream_open(int fd, enum onshi_msg_kind kind, size_t max_bytes,
			   size_t max_units, struct onshi_bulk_stream **out,
			   char *msg, size_t msglen);

/* The document's header (valid until close). */
const struct onshi_res_header *onshi_bulk_stream_header(const struct onshi_bulk_stream *s);

/*
 * The next unit into *u (initialised here; free it with
 * onshi_bulk_unit_clear()): ONSHI_OK with *got 1, or *got 0 once the
 * document has ended well-formed. Any error (cut off, broken element, not
 * UTF-8, over max_units) names the unit's number and the problem; the
 * stream cannot go on after one.
 */
int onshi_bulk_stream_next(struct onshi_bulk_stream *s, struct onshi_bulk_unit *u,
			   int *got, char *msg, size_t msglen);

/* Units read so far. */
size_t onshi_bulk_stream_count(const struct onshi_bulk_stream *s);

void onshi_bulk_stream_close(struct onshi_bulk_stream *s);

/* Free what a unit of onshi_bulk_stream_next() owns. */
void onshi_bulk_unit_clear(struct onshi_bulk_unit *u);

/*
 * The other way: a batch upload (OQSmuquc01req, UTF-8) written search by
 * search into out, never held as a model: header h, then each search
 * next() fills (ONSHI_OK with *got 1; *got 0 at the end; an error stops
 * the writing with msg set). Each search passes the writer's checks as in
 * onshi_msg_write(). *count: the searches written.
 */
struct onshi_strbuf;
typedef int (*onshi_search_source)(void *arg, struct onshi_search_info *si,
				   int *got, char *msg, size_t msglen);
int onshi_bulk_upload_write(const struct onshi_req_header *h,
			    onshi_search_source next, void *arg,
			    struct onshi_strbuf *out, size_t *count, char *msg,
			    size_t msglen);

#endif
