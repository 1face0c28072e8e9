/* SPDX-License-Identifier: Apache-2.0 */
/*
 * folder_watch.h — the folder machinery shared by the receipt-computer
 * adapters that talk through files (oqsfolder, wisestaff8, wisestaff9,
 * wisestaff9plus).
 *
 * A receipt computer drops request files into a folder; the adapter must
 * take each complete one exactly once, never a half-written one, and never
 * be tricked into reading something else (symlinks, devices, hard links to
 * other files, huge files). This module does that part and nothing of the
 * protocol: it watches one folder with inotify (complete files at once:
 * IN_CLOSE_WRITE, IN_MOVED_TO; files that only raise IN_CREATE, such as
 * ones published by link() + unlink(), after the settle time), scans it at
 * start and every rescan interval (folders where inotify sees nothing:
 * CIFS, NFS, FUSE mounts), reads each candidate safely with a size limit,
 * hands the bytes to the adapter, removes the file once the adapter has it
 * durably, retries with backoff when it could not, and moves refused files
 * to a failed/ folder next to a `<name>.reason` file saying why, after the
 * adapter has answered the sender.
 *
 * It goes into each adapter (the plugins link no daemon symbols) as the
 * static library libonshi-folder, installed with this header as
 * <onshi/folder_watch.h> for out-of-tree plugins (pkg-config onshi-folder,
 * docs/plugin-guide.md §12), and reaches the daemon only through the host
 * table. Everything runs on the daemon's loop thread.
 */
#ifndef ONSHI_FOLDER_WATCH_H
#define ONSHI_FOLDER_WATCH_H

#include <stddef.h>

#include <onshi/host.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What every folder adapter does alike: folders are shared with the
 * receipt computer's account through a group; scans leave files younger
 * than the settle time alone (they may still be being written); a file not
 * taken is offered again after 1 s, 2 s, 4 s ... up to every 60 s.
 */
#define FOLDER_DIR_MODE 0770
#define FOLDER_FILE_MODE 0660
#define FOLDER_SETTLE_MS 2000
#define FOLDER_RETRY_MIN_MS 1000
#define FOLDER_RETRY_MAX_MS 60000

/* What an adapter makes of a directory entry, from its name alone. */
enum folder_verdict {
	FOLDER_SKIP = 0, /* not a request (temp file, result, other): ignore */
	FOLDER_TAKE,     /* a request: read it (up to *limit) and take() it */
	FOLDER_REFUSE,   /* a request name that must not be taken: failed/ */
};

struct folder_watch_ops {
	/*
	 * Decide about `name`. For TAKE set *limit to the largest size
	 * accepted; for REFUSE set *err (an ONSHI_E* code) and write the
	 * reason to why.
	 */
	enum folder_verdict (*classify)(void *arg, const char *name, size_t *limit,
					int *err, char *why, size_t whylen);
	/*
	 * Hand over a request. fresh: the file was modified within the settle
	 * time, so its writer may not have finished it. ONSHI_OK or
	 * ONSHI_EEXIST: the adapter has it (or had it already) and the file is
	 * removed. ONSHI_EINCOMPLETE (only when fresh): it does not look complete yet;
	 * it is offered again once it has been quiet for the settle time (then
	 * not fresh). Anything else: the file stays and is offered again later
	 * (backoff); why says what went wrong, for the log.
	 */
	int (*take)(void *arg, const char *name, const void *data, size_t len,
		    int fresh, char *why, size_t whylen);
	/*
	 * A request named `name` cannot be taken: err is ONSHI_ETOOBIG (over
	 * the limit), ONSHI_EPERM (symlink, not a regular file, hard-linked)
	 * or classify's code; why names the problem. The file is still in the
	 * folder (dirfd, for *at() calls): answer the sender and return
	 * ONSHI_OK, after which it moves to failed/; an error keeps the file
	 * for a later retry. May be NULL.
	 */
	int (*refused)(void *arg, int dirfd, const char *name, int err,
		       const char *why);
};

struct folder_watch_config {
	const char *dir;        /* the folder to watch (must exist) */
	const char *failed_dir; /* where refused files go (must exist) */
	unsigned settle_ms;     /* scans leave files younger than this */
	unsigned retry_min_ms;  /* first retry delay after a failure */
	unsigned retry_max_ms;  /* backoff ceiling */
	unsigned rescan_ms;     /* safety scan interval; 0: none */
};

struct folder_stats {
	unsigned long taken;   /* handed over and removed */
	unsigned long refused; /* moved to failed/ */
	unsigned long waiting; /* kept after a failure, awaiting retry */
};

struct folder_watch;

/*
 * Open the folder, start the inotify watch, scan what is already there and
 * register with the host's loop. On error *out is NULL and msg says why.
 * ops and arg must outlive the watch. take() may already run from here.
 */
int folder_watch_start(const struct onshi_host *host, struct onshi_instance *inst,
		       const struct folder_watch_config *cfg,
		       const struct folder_watch_ops *ops, void *arg,
		       struct folder_watch **out, char *msg, size_t msglen);

/* Remove the watch and timers, close the fds, free. NULL is fine. */
void folder_watch_stop(struct folder_watch *fw);

/* Scan the folder again now (as at start). */
void folder_watch_rescan(struct folder_watch *fw);

void folder_watch_stats(const struct folder_watch *fw, struct folder_stats *st);

/*
 * An adapter's start op: make sure each of dirs[0..ndirs) is a folder
 * (FOLDER_DIR_MODE), then watch `watch`, refusing into `failed`, with the
 * FOLDER_* timings and a safety scan every rescan_s seconds (0: none).
 * What fails is logged; the event names the folder.
 */
int folder_adapter_start(const struct onshi_host *host,
			 struct onshi_instance *inst, const char *const *dirs,
			 size_t ndirs, const char *watch, const char *failed,
			 unsigned rescan_s, const struct folder_watch_ops *ops,
			 void *arg, struct folder_watch **out);

/* The rescan_s key every folder adapter accepts, for its key table. */
#define FOLDER_RESCAN_KEY                                                        \
	{                                                                        \
		.name = "rescan_s", .type = ONSHI_CONF_INT,                      \
		.default_value = "5", .min = 0, .max = 3600,                     \
		.help = "seconds between safety scans of the request folder, "   \
			"for folders where inotify reports nothing (CIFS, NFS, " \
			"FUSE mounts); 0 = none"                                 \
	}

/*
 * ---- taking a file that the adapter makes durable later ----
 *
 * For adapters on host->submit_later() (ABI 1.5): the daemon has the
 * bytes when submit_later returns but makes them durable a little later,
 * in one round with other requests; the file must stay until then.
 */
struct folder_later;

/*
 * From take() only: the adapter will say later whether it has the file
 * durably. take() then returns ONSHI_OK; the file stays in the folder and
 * is not offered again until folder_later_done(). NULL when out of memory
 * (take it the synchronous way). Laters still open when the watch stops
 * are freed by folder_watch_stop(): do not use them after it.
 */
struct folder_later *folder_watch_take_later(struct folder_watch *fw);
/* The file's name, and the ops' arg of its watch. */
const char *folder_later_name(const struct folder_later *l);
void *folder_later_arg(const struct folder_later *l);
/*
 * rc ONSHI_OK or ONSHI_EEXIST: the adapter has it durably, the file is
 * removed (if it is still the file read). Anything else: it stays and is
 * offered again after the backoff; why says why, for the log. Frees l.
 */
void folder_later_done(struct folder_later *l, int rc, const char *why);
/* The adapter never handed l out (submit refused the file at once). */
void folder_later_cancel(struct folder_later *l);

/* ---- helpers, usable on their own ---- */

/* a "/" b in a malloc'd string; NULL when out of memory. */
char *folder_join(const char *a, const char *b);

/*
 * Make sure path is a directory (mkdir with mode if missing). A symlink or
 * another kind of file there is refused: the folder is shared with another
 * computer, which must not be able to redirect what we write.
 */
int folder_ensure_dir(const char *path, unsigned mode, char *msg, size_t msglen);

/*
 * Read dirfd/name into a malloc'd, NUL-terminated buffer without following
 * symlinks, without opening anything but a regular file with a single link,
 * and refusing more than limit bytes. Returns ONSHI_OK, ONSHI_ENOTFOUND (gone
 * meanwhile), ONSHI_EPERM (symlink, not regular, several hard links),
 * ONSHI_ETOOBIG, ONSHI_ENOMEM or ONSHI_EIO, with the reason in msg.
 * dev and ino (may be NULL) receive the identity of the file read.
 */
int folder_read_file(int dirfd, const char *name, size_t limit, char **buf,
		     size_t *len, unsigned long *dev, unsigned long *ino,
		     char *msg, size_t msglen);

/*
 * Count the entries of dir that are regular files and not hidden (results
 * waiting for the receipt computer to fetch them); -1 if dir cannot be read.
 */
long folder_count_files(const char *dir);

/* Copy name into out with bytes outside printable ASCII as \xNN, cut
 * with "..." to fit: file names from another computer go into logs. */
void folder_quote(char *out, size_t outlen, const char *name);

#ifdef __cplusplus
}
#endif

#endif
