/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_sax.c — onshi_msg_parse(): the model of an XmlMsg document
 * straight from libxml2's SAX events, without building the tree; and the
 * same with the tree (xmsg_parse_dom()), both around the steps of
 * xmlmsg_parse.c.
 *
 * Building and freeing the xmlDoc was two thirds of a parse. The answer
 * must stay the one the tree walk of xmlmsg_parse.c gives, refusal and
 * message alike, for any input; what makes that work:
 *
 *  - The events come from onshi_xml_sax_hardened(): the same parser, the
 *    same settings, the same refusals, and exactly the nodes the tree would
 *    have had (names included).
 *  - The tree path refuses in this order: the whole document not
 *    well-formed (or a DOCTYPE), then the root's name, then the depth, then
 *    the first fault of the walk. Here the walk runs as the events come,
 *    and its first refusal only stops it: the parse goes on to the end, and
 *    the other checks are answered first afterwards.
 *  - The walk takes the tree's elements in document order, and each of its
 *    checks is made here at the event where the tree walk would make it: a
 *    repeated element at its start, a child element in a leaf at that
 *    child's start, a leaf's value at its end, a missing required element
 *    at its parent's end.
 *  - But one: the tree walk counts all entries of a list at its first one
 *    and refuses "more than max_items" right there, before anything inside
 *    them. Here the entries of each list are counted as they come (one
 *    list per parent element and field, numbered in the order their first
 *    entries come, as the tree walk meets them), and when the walk stopped
 *    (a refusal, or more entries than allowed so far), the lists it had
 *    met are counted on to their end. Then the first of them whose total
 *    with those before it passes the limit is the tree walk's answer;
 *    without one, the walk's own refusal stands.
 *  - A list's array grows as its entries come (the tree walk sized it at
 *    once): only the open entry points into it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include "xml_util.h"
#include "xmlmsg_internal.h"

/* One open element the walk maps. */
struct frame {
	bool leaf;
	/* a node element: its table and struct; a leaf: its parent's */
	const struct xmsg_node *node;
	void *base;
	const struct xmsg_field *f; /* leaf: its field... */
	size_t k;                   /* ...at node->fields[k] */
	unsigned char seen[XMSG_MAX_FIELDS];
	/* lists[] index of list field k, valid once seen[k] */
	size_t list[XMSG_MAX_FIELDS];
};

/* The entries of one list (one parent element, one field) so far. */
struct list_run {
	const struct xmsg_field *f;
	size_t count;
	size_t room; /* elements the array holds */
};

struct walk {
	struct xmsg_parse_state *ps;
	const struct xmsg_node *root;
	void *base;
	unsigned depth, max_depth;
	bool too_deep;
	bool root_seen;
	bool root_bad;  /* the root is not XmlMsg... */
	char *bad_root; /* ...but this (NULL: no memory for the name) */
	int rc;         /* the walk's first refusal */
	bool stopped;   /* the walk is over (a refusal, or too many entries) */
	size_t lists_met; /* lists[] met before it stopped */
	unsigned skip;    /* open elements that are not mapped (unknown, ...) */
	struct frame *fr;
	size_t nfr, frroom;
	struct list_run *lists;
	size_t nlists, listroom;
	char *text; /* the open leaf's text so far */
	size_t textlen, textroom;
};

static void stop(struct walk *w, int rc)
{
	w->rc = rc;
	w->stopped = true;
	w->lists_met = w->nlists;
}

/* Grow *arr (room *room elements of sz) to hold need; false: no memory. */
static bool reserve(void **arr, size_t *room, size_t need, size_t sz)
{
	size_t n = *room ? *room : 4;
	void *p;

	if (need <= *room)
		return true;
	while (n < need) {
		if (n > SIZE_MAX / 2 / sz)
			return false;
		n *= 2;
	}
	p = realloc(*arr, n * sz);
	if (p == NULL)
		return false;
	*arr = p;
	*room = n;
	return true;
}

static struct frame *push(struct walk *w)
{
	if (!reserve((void **)&w->fr, &w->frroom, w->nfr + 1, sizeof(*w->fr))) {
		stop(w, ONSHI_ENOMEM);
		return NULL;
	}
	return &w->fr[w->nfr++];
}

/* Enter an element mapped by node onto base. */
static void open_node(struct walk *w, const struct xmsg_node *node, void *base)
{
	struct frame *fr;
	int rc;

	rc = xmsg_node_begin(w->ps, node, base);
	if (rc != ONSHI_OK) {
		stop(w, rc);
		return;
	}
	fr = push(w);
	if (fr == NULL)
		return;
	fr->leaf = false;
	fr->node = node;
	fr->base = base;
	memset(fr->seen, 0, node->n_fields);
	w->skip = 0;
}

/* The next entry of list field k of the node element top. */
static void open_entry(struct walk *w, struct frame *top, size_t k, bool first)
{
	const struct xmsg_field *f = &top->node->fields[k];
	char **arr = (char **)(void *)((char *)top->base + f->off);
	size_t *n = (size_t *)(void *)((char *)top->base + f->count_off);
	struct list_run *l;
	char *elem;

	if (first) {
		if (!reserve((void **)&w->lists, &w->listroom, w->nlists + 1,
			     sizeof(*w->lists))) {
			stop(w, ONSHI_ENOMEM);
			return;
		}
		w->lists[w->nlists] = (struct list_run){ f, 0, 0 };
		top->list[k] = w->nlists++;
	}
	l = &w->lists[top->list[k]];
	l->count++;
	/* Over the limit: the answer is decided, which list names it only
	 * once the counts are complete (see the top of the file). */
	if (++w->ps->items > w->ps->max_items) {
		stop(w, ONSHI_OK);
		return;
	}
	if (!reserve((void **)arr, &l->room, *n + 1, f->elem_size)) {
		stop(w, ONSHI_ENOMEM);
		return;
	}
	elem = *arr + *n * f->elem_size;
	memset(elem, 0, f->elem_size);
	(*n)++;
	xmsg_init_node(f->sub, elem);
	open_node(w, f->sub, elem);
}

static void on_start(void *user, const char *name)
{
	struct walk *w = user;
	struct frame *top;
	const struct xmsg_field *f;
	bool first;
	int k, rc;

	w->depth++;
	if (w->depth > w->max_depth)
		w->too_deep = true;
	if (w->depth == 1) {
		w->root_seen = true;
		if (strcmp(name, "XmlMsg") != 0) {
			w->root_bad = true;
			w->bad_root = strdup(name);
			return;
		}
		w->skip = 1;
		open_node(w, w->root, w->base);
		return;
	}
	if (w->root_bad)
		return;
	if (w->skip > 0 || w->nfr == 0) {
		w->skip++;
		return;
	}
	/* Whatever happens below, this element gets a frame only if it
	 * is mapped and the walk goes on. */
	w->skip = 1;
	top = &w->fr[w->nfr - 1];
	if (top->leaf) {
		if (!w->stopped)
			stop(w, xmsg_leaf_child_element(w->ps, top->f->name, name));
		return;
	}
	k = xmsg_find_field(top->node, name);
	if (k < 0)
		return; /* unknown elements are for newer peers: skip */
	f = &top->node->fields[k];
	if (w->stopped) {
		/* A list met before the stop counts on (see the top). */
		if (f->type == XT_LIST && top->seen[k])
			w->lists[top->list[k]].count++;
		return;
	}
	first = !top->seen[k];
	rc = xmsg_node_child(w->ps, top->node, (size_t)k, top->seen);
	if (rc != ONSHI_OK) {
		stop(w, rc);
		return;
	}
	switch (f->type) {
	case XT_GROUP:
		if (f->has_off != XF_NONE_OFF)
			*(bool *)((char *)top->base + f->has_off) = true;
		open_node(w, f->sub, (char *)top->base + f->off);
		break;
	case XT_LIST: open_entry(w, top, (size_t)k, first); break;
	default: {
		const struct xmsg_node *node = top->node;
		void *base = top->base;
		struct frame *fr = push(w); /* top may move */

		if (fr == NULL)
			return;
		fr->leaf = true;
		fr->node = node;
		fr->base = base;
		fr->f = f;
		fr->k = (size_t)k;
		w->textlen = 0;
		w->skip = 0;
		break;
	}
	}
}

/* Leave the innermost mapped element: a leaf's value, a node's checks. */
static void close_frame(struct walk *w)
{
	struct frame *fr = &w->fr[--w->nfr];
	char *text, *raw = NULL;
	int rc;

	if (w->stopped)
		return;
	if (!fr->leaf) {
		rc = xmsg_node_end(w->ps, fr->node, fr->base, fr->seen);
		if (rc != ONSHI_OK)
			stop(w, rc);
		return;
	}
	text = malloc(w->textlen + 1);
	if (text == NULL) {
		stop(w, ONSHI_ENOMEM);
		return;
	}
	if (w->textlen > 0)
		memcpy(text, w->text, w->textlen);
	text[w->textlen] = '\0';
	rc = xmsg_parse_leaf(w->ps, fr->node, fr->f, text, fr->base,
			     fr->node->keeps_sent ? &raw : NULL);
	if (rc != ONSHI_OK)
		stop(w, rc);
	else if (raw != NULL)
		xmsg_keep_sent(fr->node, fr->base, fr->k, raw);
}

static void on_end(void *user)
{
	struct walk *w = user;

	w->depth--;
	if (w->root_bad)
		return;
	if (w->skip > 0) {
		w->skip--;
		return;
	}
	if (w->nfr > 0)
		close_frame(w);
}

/* Text directly in a leaf is its value; text anywhere else is ignored. */
static void on_text(void *user, const char *s, size_t len)
{
	struct walk *w = user;

	if (w->stopped || w->skip > 0 || w->nfr == 0 || !w->fr[w->nfr - 1].leaf)
		return;
	if (!reserve((void **)&w->text, &w->textroom, w->textlen + len, 1)) {
		stop(w, ONSHI_ENOMEM);
		return;
	}
	memcpy(w->text + w->textlen, s, len);
	w->textlen += len;
}

static void on_reference(void *user)
{
	struct walk *w = user;

	if (w->stopped || w->skip > 0 || w->nfr == 0 || !w->fr[w->nfr - 1].leaf)
		return;
	stop(w, xmsg_leaf_entity_ref(w->ps, w->fr[w->nfr - 1].f->name));
}

static const struct onshi_xml_sax walk_events = {
	.start = on_start,
	.end = on_end,
	.text = on_text,
	.reference = on_reference,
};

/* The walk's answer once the document is read and its root and depth
 * passed: the first list over the limit, else the walk's refusal. */
static int walk_answer(struct walk *w)
{
	size_t i, sum = 0;

	/* Elements the tree would hold open (onshi_xml_sax_hardened()
	 * stopped short) are finished as the tree walk finishes them,
	 * innermost first. */
	w->skip = 0;
	while (w->nfr > 0)
		close_frame(w);
	if (!w->stopped)
		return ONSHI_OK;
	for (i = 0; i < w->lists_met; i++) {
		sum += w->lists[i].count;
		if (sum > w->ps->max_items)
			return xmsg_too_many(w->ps, w->lists[i].f);
	}
	return w->rc;
}

int xmsg_sax_parse(const struct xmsg_node *root, const char *text, size_t textlen,
		   const struct onshi_xml_read_texts *texts, unsigned max_depth,
		   struct xmsg_parse_state *ps, void *base, int *walked)
{
	struct walk w = { .ps = ps,
			  .root = root,
			  .base = base,
			  .max_depth = max_depth,
			  .rc = ONSHI_OK };
	int rc;

	*walked = 0;
	rc = onshi_xml_sax_hardened(text, textlen, NULL, texts, &walk_events,
				    &w, ps->msg, ps->msglen);
	if (rc != ONSHI_OK)
		goto done;
	if (w.root_bad && w.bad_root == NULL) {
		rc = ONSHI_ENOMEM;
		goto done;
	}
	if (!w.root_seen || w.root_bad) {
		rc = xmsg_bad_root(ps->msg, ps->msglen,
				   w.bad_root != NULL ? w.bad_root : "");
		goto done;
	}
	if (w.too_deep) {
		rc = xmsg_too_deep(ps->msg, ps->msglen, max_depth);
		goto done;
	}
	*walked = 1;
	rc = walk_answer(&w);
done:
	free(w.bad_root);
	free(w.fr);
	free(w.lists);
	free(w.text);
	return rc;
}

/* onshi_msg_parse() by either path: the same checks before and after. */
static int parse_document(enum onshi_msg_kind kind, const char *buf, size_t len,
			  const struct onshi_parse_limits *limits,
			  struct onshi_msg *out, char *msg, size_t msglen, bool sax)
{
	const struct xmsg_node *root = xmsg_root(kind);
	struct xmsg_parse_state ps = { 0, ONSHI_XMLMSG_MAX_ITEMS, msg, msglen, NULL };
	size_t max_bytes = xmsg_default_max_bytes(kind), textlen = 0;
	unsigned max_depth = ONSHI_XMLMSG_MAX_DEPTH;
	const char *text = NULL;
	char *owned = NULL;
	int rc;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	onshi_msg_init(out, kind);
	if (root == NULL || buf == NULL) {
		onshi_set_msg(msg, msglen, "no such message kind or no buffer");
		return ONSHI_EINVAL;
	}
	if (limits != NULL) {
		if (limits->max_bytes != 0)
			max_bytes = limits->max_bytes;
		if (limits->max_depth != 0)
			max_depth = limits->max_depth;
		if (limits->max_items != 0)
			ps.max_items = limits->max_items;
	}
	if (len > max_bytes || len > INT32_MAX) {
		onshi_set_msg(msg, msglen,
			      "document is %zu bytes, over the limit of %zu for %s",
			      len, max_bytes, onshi_msg_kind_name(kind));
		return ONSHI_ETOOBIG;
	}
	if (len == 0) {
		onshi_set_msg(msg, msglen, "document is empty");
		return ONSHI_EPROTO;
	}
	rc = xmsg_to_utf8(buf, len, &text, &textlen, &owned,
			  &out->source_charset, msg, msglen);
	if (rc != ONSHI_OK)
		goto done;

	if (sax) {
		int walked = 0;

		rc = xmsg_sax_parse(root, text, textlen, &xmsg_xml_texts,
				    max_depth, &ps, &out->u, &walked);
		if (rc != ONSHI_OK && !walked) {
			/* Refused before the walk: leave the model as the tree
			 * path leaves it, empty. */
			enum onshi_charset cs = out->source_charset;

			onshi_msg_clear(out);
			onshi_msg_init(out, kind);
			out->source_charset = cs;
		}
	} else {
		rc = xmsg_dom_parse(root, text, textlen, max_depth, &ps, &out->u);
	}
	if (rc != ONSHI_OK)
		goto done;
	if (kind == ONSHI_MSG_INQUIRY_REQUEST &&
	    out->u.inquiry_request.hdr.reference_classification == ONSHI_REFCLASS_NONE)
		out->u.inquiry_request.hdr.reference_classification = ONSHI_REFCLASS_CARDINFO;
	rc = xmsg_check_document(out, msg, msglen);
done:
	free(owned);
	return rc;
}

/* Through libxml2's SAX events: the tree's build and free were two thirds
 * of a parse, and the model needs neither. */
int onshi_msg_parse(enum onshi_msg_kind kind, const char *buf, size_t len,
		    const struct onshi_parse_limits *limits,
		    struct onshi_msg *out, char *msg, size_t msglen)
{
	return parse_document(kind, buf, len, limits, out, msg, msglen, true);
}

int xmsg_parse_dom(enum onshi_msg_kind kind, const char *buf, size_t len,
		   const struct onshi_parse_limits *limits,
		   struct onshi_msg *out, char *msg, size_t msglen)
{
	return parse_document(kind, buf, len, limits, out, msg, msglen, false);
}
