/*
 * inquiry.h — the path of a request from an adapter to its answer:
 * accept into the spool, check and parse it, ask upstream, record the
 * answer, deliver it to the adapter that asked (now, or once that module
 * runs again). The spool makes every step survive a crash.
 *
 * Upstream (the national link) is not wired yet: well-formed requests wait
 * in the spool, unanswered, and are counted in status; malformed or hostile
 * ones are answered at once with an error document naming the problem.
 */
#ifndef ONSHI_CORE_INQUIRY_H
#define ONSHI_CORE_INQUIRY_H

#include <stddef.h>

struct onshi_core;
struct onshi_module;
struct onshi_instance;

/* Open the spool and resume unfinished work. */
int onshi_inquiry_open(struct onshi_core *core, char *msg, size_t msglen);
void onshi_inquiry_close(struct onshi_core *core);

/* host->submit(). */
int onshi_inquiry_submit(struct onshi_instance *inst, const char *request_id,
			 int kind, const void *body, size_t len, char *msg,
			 size_t msglen);

/* A module (re)started: offer it the answers waiting for it. */
void onshi_inquiry_module_started(struct onshi_core *core,
				  struct onshi_module *mod);

/* Spool depth for status: all entries, and those still unanswered. */
size_t onshi_inquiry_depth(struct onshi_core *core, size_t *unanswered);

#endif
