/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshi/host.h — the services the daemon offers to plugins.
 *
 * The daemon passes a `const struct onshi_host *` to each plugin's create().
 * Plugins call the daemon only through it (they are linked -no-undefined and
 * the daemon exports nothing), so a plugin built against this header loads
 * into any daemon of the same ABI major. Services are only ever appended;
 * use ONSHI_HOST_HAS() before calling one that arrived in a later minor.
 *
 * Threads: every service runs on the event-loop thread only, except post(),
 * which any thread may call. Callbacks registered here are invoked on the
 * loop thread. Watches and timers that a plugin forgets to remove are removed
 * by the daemon after stop() (and logged as a plugin bug).
 */
#ifndef ONSHI_HOST_H
#define ONSHI_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <onshi/error.h>
#include <onshi/plugin.h>

struct onshi_msg; /* onshi/message.h */

#ifdef __cplusplus
extern "C" {
#endif

/* Log levels, numerically equal to syslog's. */
enum onshi_log_level {
	ONSHI_LOG_ERR = 3,
	ONSHI_LOG_WARNING = 4,
	ONSHI_LOG_NOTICE = 5,
	ONSHI_LOG_INFO = 6,
	ONSHI_LOG_DEBUG = 7,
};

/* fd readiness, for watch_fd(). */
enum onshi_fd_events {
	ONSHI_FD_READ = 1u << 0,
	ONSHI_FD_WRITE = 1u << 1,
	ONSHI_FD_ERROR = 1u << 2, /* reported only: hang-up or error */
};

struct onshi_watch;      /* an fd registration */
struct onshi_timer;      /* a timer registration */
struct onshi_path_watch; /* a folder subscription (ABI 1.6, watch_path) */

typedef void (*onshi_fd_cb)(int fd, unsigned events, void *arg);
typedef void (*onshi_timer_cb)(void *arg);
typedef void (*onshi_post_cb)(void *arg);
/* submit_later()'s answer (ABI 1.5): rc ONSHI_OK once durable. */
typedef void (*onshi_submit_cb)(void *arg, int rc, const char *why);
/*
 * watch_path()'s events (ABI 1.6): mask holds inotify(7) IN_* bits, one
 * event a call; name is the entry inside the folder, NULL for an event of
 * the folder itself (IN_DELETE_SELF, IN_MOVE_SELF, IN_IGNORED) and for
 * IN_Q_OVERFLOW (events were lost: scan the folder). cookie pairs
 * IN_MOVED_FROM with IN_MOVED_TO.
 */
typedef void (*onshi_path_cb)(void *arg, uint32_t mask, uint32_t cookie,
			      const char *name);
/* nonce is NULL on failure, with why saying what went wrong. */
typedef void (*onshi_challenge_cb)(void *arg, const char *nonce, const char *why);

/*
 * One My Number Card read by a reader (ABI 1.2, host->card_submit). The
 * enums are those of onshi/message.h (onshi_token_type, onshi_auth_method,
 * onshi_consent); binary values are raw DER / raw signature bytes.
 *   PIN:    signature = the card's RSA PKCS#1 v1.5 SHA-256 signature over
 *           the nonce's ASCII bytes (COMPUTE DIGITAL SIGNATURE).
 *   face:   signature = the reader's attestation (docs/national-api.md:
 *           ECDSA SHA-256 by the device key over
 *           "onshi-face-v1\n<nonce>\n<sha256 hex of the card cert DER>\n"),
 *           reader_cert = the device certificate.
 *   visual: operator_id = the staff member who checked the card.
 */
struct onshi_card_read {
	const char *read_id;           /* unique per module, safe characters */
	int token_type;                /* ONSHI_TOKEN_CARD / _SMARTPHONE */
	int method;                    /* ONSHI_AUTH_FACE / _PIN / _VISUAL */
	const unsigned char *cert_der; /* JPKI user-authentication cert */
	size_t cert_len;
	const char *nonce; /* from host->challenge */
	const unsigned char *signature;
	size_t signature_len;
	const unsigned char *reader_cert_der;
	size_t reader_cert_len;
	const char *operator_id;
	int consent[4]; /* onshi_consent per onshi_consent_kind */
};

#if defined(__GNUC__)
#define ONSHI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ONSHI_PRINTF(f, a)
#endif

struct onshi_host {
	uint32_t size;      /* sizeof(struct onshi_host) in the daemon */
	uint16_t abi_major; /* ONSHI_ABI_MAJOR of the daemon */
	uint16_t abi_minor; /* ONSHI_ABI_MINOR of the daemon */

	/* ---- ABI 1.0 ---- */

	/* Log a line prefixed with the module name ("reader:front-desk"). */
	void (*log)(struct onshi_instance *inst, int level, const char *fmt, ...)
		ONSHI_PRINTF(3, 4);

	/*
	 * Configuration of this instance's section, already checked against
	 * the plugin's key table: the value, the key's default, or NULL.
	 * PATH values come back resolved against the config file directory.
	 * The string stays valid until the instance is destroyed.
	 */
	const char *(*conf_str)(struct onshi_instance *inst, const char *key);
	/* INT values (0 when unset and without default). */
	long (*conf_int)(struct onshi_instance *inst, const char *key);
	/* BOOL values (0 when unset and without default). */
	int (*conf_bool)(struct onshi_instance *inst, const char *key);

	/* "reader:front-desk" */
	const char *(*module_name)(struct onshi_instance *inst);
	/* The 10-digit code of the [institution] this instance serves. */
	const char *(*institution_code)(struct onshi_instance *inst);

	/* Watch fd for ONSHI_FD_READ/WRITE; NULL on error (logged). */
	struct onshi_watch *(*watch_fd)(struct onshi_instance *inst, int fd,
					unsigned events, onshi_fd_cb cb, void *arg);
	/* Change the events of a watch. */
	int (*watch_modify)(struct onshi_instance *inst, struct onshi_watch *w,
			    unsigned events);
	/* Remove a watch (does not close the fd). */
	void (*unwatch_fd)(struct onshi_instance *inst, struct onshi_watch *w);

	/*
	 * Call cb after `ms` milliseconds; again every `ms` if `repeat`.
	 * A one-shot timer is released after its callback: do not stop it
	 * from then on.
	 */
	struct onshi_timer *(*timer_start)(struct onshi_instance *inst,
					   uint64_t ms, int repeat,
					   onshi_timer_cb cb, void *arg);
	/* Cancel a timer that has not fired (or a repeating one). */
	void (*timer_stop)(struct onshi_instance *inst, struct onshi_timer *t);

	/*
	 * From ANY thread: run cb(arg) soon on the loop thread. Posts still
	 * queued when the instance stops are dropped, so stop() must free
	 * what their args own.
	 */
	int (*post)(struct onshi_instance *inst, onshi_post_cb cb, void *arg);

	/* Record the instance's latest event, shown by `onshictl status`. */
	void (*set_event)(struct onshi_instance *inst, const char *fmt, ...)
		ONSHI_PRINTF(2, 3);

	/* ---- ABI 1.1: the inquiry pipeline, for receipt-computer adapters ---- */

	/*
	 * Accept one request (the bytes of a request file, any encoding the
	 * codec reads) for inquiry. request_id is the adapter's own name for
	 * it, unique within the module (e.g. the request file's name); kind is
	 * the enum onshi_msg_kind of the request. When this returns ONSHI_OK
	 * the request is durable in the spool and the adapter may delete its
	 * copy; exactly one answer comes later through the plugin's deliver op,
	 * also after a daemon restart or a disable/enable. ONSHI_EEXIST: that
	 * id was already accepted (a file dropped again after a crash): delete
	 * the copy, its answer is coming. Parse problems are not errors here:
	 * they come back as an error answer naming the problem.
	 */
	int (*submit)(struct onshi_instance *inst, const char *request_id, int kind,
		      const void *body, size_t len, char *msg, size_t msglen);

	/* onshi_msg_write() of onshi/message.h; free *out with buf_free(). */
	int (*msg_write)(const struct onshi_msg *m, int charset, char **out,
			 size_t *outlen, size_t *substituted, char *msg,
			 size_t msglen);
	void (*buf_free)(void *p);

	/* onshi_file_name_classify/_result/_error of onshi/message.h. */
	int (*file_name_classify)(const char *name, int *kind, char *id,
				  size_t idlen, char *msg, size_t msglen);
	int (*file_name_result)(int kind, const char *id, int face, char *out,
				size_t outlen);
	int (*file_name_error)(int kind, const char *id, char *out, size_t outlen);

	/*
	 * Write data to dir/name so that no reader ever sees part of it: a
	 * temporary name in dir, fsync, rename, fsync of dir. mode is the new
	 * file's permission bits.
	 */
	int (*write_file_atomic)(struct onshi_instance *inst, const char *dir,
				 const char *name, const void *data, size_t len,
				 unsigned mode, char *msg, size_t msglen);

	/* ---- ABI 1.2: card readers ---- */

	/*
	 * Ask the national service for a single-use nonce (valid 60 s) for
	 * this reader's institution. cb runs once on the loop thread with the
	 * nonce (NUL-terminated ASCII), or with NULL and a reason — unless the
	 * instance stops first: answers still owed to a stopped instance are
	 * dropped, so free what arg owns in stop()/destroy().
	 */
	int (*challenge)(struct onshi_instance *inst, onshi_challenge_cb cb,
			 void *arg);

	/*
	 * Hand one card read to the daemon. It checks the JPKI certificate
	 * (chain and CRLs in [jpki] trust_dir) and the PIN signature or the
	 * reader's attestation, asks the national service and pushes the
	 * result, unasked, to every receipt-computer adapter of the reader's
	 * institution (face/). Durable once it returns ONSHI_OK (spooled under
	 * this module with read->read_id); refused reads are pushed as errors
	 * naming the problem. Everything read points to is copied.
	 */
	int (*card_submit)(struct onshi_instance *inst,
			   const struct onshi_card_read *read, char *msg,
			   size_t msglen);

	/* ---- ABI 1.3: folder adapters as real receipt computers use them ---- */

	/*
	 * submit() with flags (ONSHI_SUBMIT_*). With ONSHI_SUBMIT_MAY_BE_PARTIAL
	 * the bytes come from a file modified moments ago that its writer may
	 * not have finished (clients that write a file in two steps): if they
	 * do not parse, nothing is kept and ONSHI_EINCOMPLETE is returned,
	 * with the parser's reason in msg; read the file again once it has been
	 * quiet for a while and submit it without the flag, when a request
	 * that still does not parse is answered with an error document.
	 * Requests that parse are accepted at once, flag or not.
	 */
	int (*submit_flags)(struct onshi_instance *inst, const char *request_id,
			    int kind, const void *body, size_t len,
			    unsigned flags, char *msg, size_t msglen);

	/*
	 * write_file_atomic() with the temporary file made in tmp_dir (on the
	 * same file system as dir) and renamed from there into dir, so that a
	 * watcher of dir — also a Windows receipt computer's FileSystemWatcher
	 * over a Samba share — sees the file added under its final name, never
	 * a temporary name or a rename inside dir.
	 */
	int (*write_file_staged)(struct onshi_instance *inst,
				 const char *tmp_dir, const char *dir,
				 const char *name, const void *data, size_t len,
				 unsigned mode, char *msg, size_t msglen);

	/* ---- ABI 1.4: device health ---- */

	/*
	 * Say whether the instance's device answers: up = 0 with why (e.g.
	 * "connect: Connection refused") when it is lost or absent, up = 1
	 * once it answers again. While it is lost the module shows "failing"
	 * instead of "running" in status (and `onshictl status --check`
	 * fails); the daemon logs each change once. Calling it again with
	 * the same state only updates why. Forgotten when the instance stops.
	 */
	void (*device_state)(struct onshi_instance *inst, int up, const char *why);

	/* ---- ABI 1.5: group commit, for adapters under load on a real disk ---- */

	/*
	 * submit_flags() that does not wait for the disk. ONSHI_OK: the
	 * request is accepted (a second offer of the same id meanwhile gets
	 * ONSHI_EUNAVAIL: keep the copy and offer it again later) but not yet
	 * durable; keep your copy until done(arg, rc, why) runs on the loop
	 * thread, never from inside this call: rc ONSHI_OK once it is durable
	 * in the spool (delete your copy now; its answer comes through
	 * deliver), anything else when it could not be made durable (keep the
	 * copy and offer it again; why says what failed). The daemon makes
	 * the requests of many adapters' loop turns durable in one round of
	 * fsyncs on its own thread, so the loop keeps taking work meanwhile.
	 * done is not called once the instance has stopped (the request is
	 * durable or not; offered again, it is recognised: ONSHI_EEXIST).
	 * Other return codes are those of submit_flags(); done is then never
	 * called. The request is asked upstream only after done.
	 */
	int (*submit_later)(struct onshi_instance *inst, const char *request_id,
			    int kind, const void *body, size_t len,
			    unsigned flags, onshi_submit_cb done, void *arg,
			    char *msg, size_t msglen);

	/*
	 * write_file_staged() for the plugin's deliver op: the file is written
	 * and queued, not yet durable, and ONSHI_OK returned; deliver returns
	 * as it would after a synchronous write. The daemon forgets the
	 * answer only once every file written so from that deliver is fsynced,
	 * renamed into dir (in the order written) and dir fsynced; if that
	 * fails, nothing of it is relied on and the answer is delivered
	 * again later. Called outside deliver, it is write_file_staged().
	 * A plugin that must act once the file is in place (e.g. notify a
	 * receipt computer) uses write_file_staged() instead.
	 */
	int (*write_file_staged_later)(struct onshi_instance *inst,
				       const char *tmp_dir, const char *dir,
				       const char *name, const void *data, size_t len,
				       unsigned mode, char *msg, size_t msglen);

	/* ---- ABI 1.6: one inotify instance for every plugin ---- */

	/*
	 * Watch a folder through the daemon's one inotify instance, instead
	 * of an inotify_init1() per plugin instance: the per-user limit
	 * fs.inotify.max_user_instances (128 by default) would stop a daemon
	 * serving many institutions. mask is inotify(7) events and the
	 * flags IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK; IN_MASK_ADD,
	 * IN_MASK_CREATE and IN_ONESHOT are refused (ONSHI_EINVAL), as a
	 * folder may be shared. cb gets the events in mask, and always
	 * IN_Q_OVERFLOW (every watch: each rescans) and IN_IGNORED (the
	 * folder was deleted or unmounted; nothing more comes: unwatch and
	 * watch again once it is back). NULL on failure with msg saying why
	 * (errno's text; ENOSPC: raise fs.inotify.max_user_watches). Two
	 * watches of one folder share one kernel watch. The handle stays
	 * valid until unwatch_path(); the daemon removes what is left when
	 * the instance stops (and logs it as a plugin bug).
	 */
	struct onshi_path_watch *(*watch_path)(struct onshi_instance *inst,
					       const char *path, uint32_t mask,
					       onshi_path_cb cb, void *arg,
					       char *msg, size_t msglen);
	/* Stop a watch_path(); safe from inside its own callback. */
	void (*unwatch_path)(struct onshi_instance *inst,
			     struct onshi_path_watch *w);
};

/* Flags of submit_flags(). */
#define ONSHI_SUBMIT_MAY_BE_PARTIAL 0x1u

/*
 * One finished answer handed to a receipt-computer adapter's deliver op.
 */
struct onshi_delivery {
	const char *request_id; /* as given to submit(); NULL for a push */
	int request_kind;       /* enum onshi_msg_kind of the request */
	int is_error;           /* 1: write the request's .err file */
	const struct onshi_msg *result; /* the answer (error document if
					   is_error) */
	int push;                       /* 1: an unasked My Number Card result
				    for face/ (readers) */
	const char *push_id;            /* id for the push file name */
	/*
	 * ABI 1.3 (read only when host->abi_minor >= 3): the request's bytes
	 * as the adapter submitted them (NULL for a push), e.g. for a copy
	 * of a refused request beside its .err.
	 */
	const void *request_body;
	size_t request_len;
};

/* Whether the daemon's host table has `member` (arrived in a later minor). */
#define ONSHI_HOST_HAS(host, member)                           \
	((host)->size >= offsetof(struct onshi_host, member) + \
				 sizeof(((struct onshi_host *)0)->member))

#ifdef __cplusplus
}
#endif
#endif /* ONSHI_HOST_H */
