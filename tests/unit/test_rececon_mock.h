/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_rececon_mock.h — a mock daemon for the receipt-computer adapter
 * tests (oqsfolder, the WiseStaff adapters; collectd style: the plugin's
 * sources are linked straight in). It keeps a small real loop (poll over
 * the registered fds, timers with due times) so inotify and libcurl both
 * run as they would in onshid, and lets a test drive the loop by hand
 * instead (mock_pump, mock_fire_timers); submit() is recorded; the codec,
 * file-name services and the atomic writer are the core's own.
 * Configuration comes from mock_conf() or the plugin's own key table
 * defaults, as the daemon does.
 */
#ifndef ONSHI_TEST_RECECON_MOCK_H
#define ONSHI_TEST_RECECON_MOCK_H

#include <stdint.h>

#include <stddef.h>

#include <onshi/host.h>
#include <onshi/message.h>
#include <onshi/plugin.h>

extern const struct onshi_plugin onshi_plugin_v1;

struct mock_sub {
	char id[300];
	int kind;
	char *body;
	size_t len;
};

#define MOCK_MAX_SUBS 32
#define MOCK_MAX_CONF 16

struct mock {
	char *tmp;      /* test root */
	char dir[2048]; /* the plugin's dir */
	const char *conf[MOCK_MAX_CONF][2];
	int submit_rc;        /* what submit() answers */
	int keep_refused;     /* record refused submissions too */
	int partial_refusals; /* submit_flags(): did not parse yet */
	/* Run inside an accepted submit(), as the core answering at once. */
	void (*in_submit)(const char *id, int kind, const void *body, size_t len);
	struct mock_sub subs[MOCK_MAX_SUBS];
	int nsubs;
	char log[32768];
	void *state;
};

extern struct mock M;
extern struct onshi_instance mock_inst;
extern const struct onshi_host mock_host;

void mock_setup(void);
void mock_teardown(void);
void mock_conf(const char *key, const char *value);
int mock_create_and_start(void);
void mock_stop(void);
int mock_deliver(const struct onshi_delivery *d);

/* Run the loop for up to ms, or until cond() (may be NULL) holds. */
int mock_run(unsigned ms, int (*cond)(void));
int mock_active_watches(void);
int mock_active_timers(void);
/* The nth active watch / timer (0: none such). */
int mock_watch(int nth, int *fd, unsigned *events);
int mock_timer(int nth, uint64_t *ms, int *repeat);
/* By hand: deliver fd readiness until quiet for 100 ms (timers not run). */
void mock_pump(void);
/* By hand: fire every armed timer once, as if its time had come. */
void mock_fire_timers(void);

/*
 * The face/ file of the push push_id, named as the real terminal names
 * them: OQSsiquc01res_face_<code><first 20 hex of SHA-256(push_id)>_
 * <yyyyMMddHHmmss>.xml. Fails the test when there is none (or two).
 */
const char *mock_face_name(const char *push_id);

/* Files under M.dir. */
void mock_put(const char *sub, const char *name, const void *data, size_t len);
int mock_exists(const char *sub, const char *name);
char *mock_slurp(const char *sub, const char *name, size_t *len);
int mock_count(const char *sub);

/*
 * The answer the core would deliver for a submitted request: parse it,
 * start the result, add one valid person (name, kana as given), write it
 * in UTF-8 and parse it back. Clear *res with onshi_msg_clear().
 */
void mock_answer(const char *req_xml, size_t len, const char *name,
		 const char *kana, struct onshi_msg *res);

#endif
