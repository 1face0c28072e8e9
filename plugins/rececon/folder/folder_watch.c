/* SPDX-License-Identifier: Apache-2.0 */
/*
 * folder_watch.c — take complete request files from a shared folder, once
 * each, safely; see folder_watch.h for the contract.
 *
 * Order of events for one file: the adapter classifies the name; a scan
 * (not an inotify event) leaves files modified within settle_ms for later,
 * as they may still be being written; the file is read without following
 * links; the adapter takes the bytes (told whether the file is that
 * fresh, so that one that does not parse yet can wait for its writer); the
 * file is removed only if it is still the same inode (a client may already
 * have dropped a new file under that name). Failures keep the file and arm
 * one retry timer whose scan picks up everything still there, with
 * exponential backoff. A file published by link() + unlink() has two
 * names until the unlink, which must not get it refused: refusals wait
 * until the file has had its names (ctime) for the settle time too.
 *
 * The folder's events come from the daemon's one inotify instance
 * (host->watch_path, ABI 1.6), so that a daemon with a hundred adapters
 * holds one inotify fd, not a hundred against the per-user limit; an
 * older daemon has no such service, and the watch opens its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder_watch.h"
#include "read_file.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

#define WATCH_MASK                                                   \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | \
	 IN_MOVE_SELF | IN_ONLYDIR)

/* What one read of events asks for once all of them are handled. */
struct event_batch {
	int need_scan, kept, unclosed;
	/* Names created and not yet closed or moved in (copies). */
	char *created[32];
	size_t ncreated;
};

/* How a name came to be looked at. */
enum seen_by {
	SEEN_BY_SCAN, /* a scan: files still settling are left for later */
	SEEN_CLOSED,  /* IN_CLOSE_WRITE: complete, unless written in steps */
	SEEN_MOVED,   /* IN_MOVED_TO: renamed in, so complete */
};

enum handled {
	H_SKIPPED,  /* not ours, or gone */
	H_DONE,     /* taken or refused: no longer in the folder */
	H_KEPT,     /* failed: still there, retry later */
	H_DEFERRED, /* too young for a scan: look again after settle_ms */
};

struct folder_watch {
	const struct onshi_host *host;
	struct onshi_instance *inst;
	const struct folder_watch_ops *ops;
	void *arg;
	char *dir, *failed_dir;
	int dirfd, failedfd;
	/* The folder's watch: on the daemon's inotify (pw, ABI 1.6) or, on
	 * an older daemon, an inotify fd of its own (ifd, wd, watch). */
	int shared;
	struct onshi_path_watch *pw;
	int ifd, wd;
	struct onshi_watch *watch;
	/* Events dispatched one by one (shared): what they ask for is done
	 * when the loop comes round, as it is after one read otherwise. */
	struct event_batch batch;
	struct onshi_timer *batch_end;
	struct onshi_timer *timer;
	uint64_t timer_due;         /* CLOCK_MONOTONIC ms */
	struct onshi_timer *rescan; /* the repeating safety scan */
	unsigned settle_ms, retry_min_ms, retry_max_ms, backoff_ms;
	struct folder_stats st;
	/* Files taken whose adapter makes them durable later, and the file
	 * being taken now (what folder_watch_take_later() describes). */
	struct folder_later *laters;
	const char *taking;
	unsigned long taking_dev, taking_ino;
	struct folder_later *taken_later;
};

struct folder_later {
	struct folder_later *next;
	struct folder_watch *fw;
	unsigned long dev, ino;
	char name[];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void folder_quote(char *out, size_t outlen, const char *name)
{
	size_t o = 0;
	const unsigned char *p;

	if (outlen == 0)
		return;
	for (p = (const unsigned char *)name; *p; p++) {
		char tmp[5];
		size_t n;

		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			tmp[0] = (char)*p;
			n = 1;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			n = 4;
		}
		if (o + n + 4 > outlen) {
			/* Room for "..." and the NUL is always kept. */
			if (outlen >= 4) {
				memcpy(out + (o < outlen - 4 ? o : outlen - 4),
				       "...", 3);
				o = (o < outlen - 4 ? o : outlen - 4) + 3;
			}
			break;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

static const char *file_type_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a named pipe";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

/* The checks shared by the lstat before opening and the fstat after. */
static int check_stat(const struct stat *st, const char *q, size_t limit,
		      char *msg, size_t msglen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(msg, msglen, "'%s' is %s, not a regular file: refused",
			 q, file_type_name(st->st_mode));
		return ONSHI_EPERM;
	}
	if (st->st_nlink > 1) {
		/* A hard link could make us read (and send) another file. */
		snprintf(msg, msglen,
			 "'%s' has %lu hard links: refused (write "
			 "request files as new files, not links)",
			 q, (unsigned long)st->st_nlink);
		return ONSHI_EPERM;
	}
	if ((uintmax_t)st->st_size > (uintmax_t)limit) {
		snprintf(msg, msglen,
			 "'%s' is %jd bytes, over the limit of %zu "
			 "bytes",
			 q, (intmax_t)st->st_size, limit);
		return ONSHI_ETOOBIG;
	}
	return ONSHI_OK;
}

int folder_read_file(int dirfd, const char *name, size_t limit, char **buf,
		     size_t *len, unsigned long *dev, unsigned long *ino,
		     char *msg, size_t msglen)
{
	char q[128];
	struct stat st;
	int fd, rc, err;

	*buf = NULL;
	*len = 0;
	folder_quote(q, sizeof(q), name);
	/* lstat first: never open() a device or a FIFO, even non-blocking. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		err = errno;
		snprintf(msg, msglen, "cannot look at '%s': %s", q, strerror(err));
		return err == ENOENT ? ONSHI_ENOTFOUND : ONSHI_EIO;
	}
	rc = check_stat(&st, q, limit, msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ELOOP) {
			snprintf(msg, msglen,
				 "'%s' is a symbolic link, not a "
				 "regular file: refused",
				 q);
			return ONSHI_EPERM;
		}
		snprintf(msg, msglen, "cannot open '%s': %s", q, strerror(err));
		return err == ENOENT ? ONSHI_ENOTFOUND : ONSHI_EIO;
	}
	/* Again on the open file: it may have been swapped since the lstat. */
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		snprintf(msg, msglen, "cannot look at '%s': %s", q, strerror(err));
		return ONSHI_EIO;
	}
	rc = check_stat(&st, q, limit, msg, msglen);
	if (rc != ONSHI_OK) {
		close(fd);
		return rc;
	}
	rc = onshi_read_fd(fd, (size_t)st.st_size, limit, buf, len, &err);
	close(fd);
	if (rc == ONSHI_ENOMEM) {
		snprintf(msg, msglen, "out of memory reading '%s'", q);
		return rc;
	}
	if (rc == ONSHI_EIO) {
		snprintf(msg, msglen, "cannot read '%s': %s", q, strerror(err));
		return rc;
	}
	/* The file grew after fstat, past the limit. */
	if (rc == ONSHI_ETOOBIG) {
		snprintf(msg, msglen,
			 "'%s' is more than %zu bytes, over the "
			 "limit",
			 q, limit);
		return rc;
	}
	if (dev)
		*dev = (unsigned long)st.st_dev;
	if (ino)
		*ino = (unsigned long)st.st_ino;
	return ONSHI_OK;
}

int folder_ensure_dir(const char *path, unsigned mode, char *msg, size_t msglen)
{
	struct stat st;
	int err;

	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return ONSHI_OK;
		snprintf(msg, msglen,
			 "%s is %s, not a folder: refused (replace "
			 "it with a real folder)",
			 path, file_type_name(st.st_mode));
		return ONSHI_EPERM;
	}
	if (errno != ENOENT) {
		err = errno;
		snprintf(msg, msglen, "cannot look at %s: %s", path, strerror(err));
		return ONSHI_EIO;
	}
	if (mkdir(path, (mode_t)mode) < 0 && errno != EEXIST) {
		err = errno;
		snprintf(msg, msglen, "cannot create the folder %s: %s", path,
			 strerror(err));
		return ONSHI_EIO;
	}
	/* Exactly mode, whatever the umask: the receipt computer's group
	 * needs it. A concurrent creator's folder is checked again. */
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, msglen, "%s is not a folder after creating it", path);
		return ONSHI_EPERM;
	}
	if (chmod(path, (mode_t)mode) < 0) {
		err = errno;
		snprintf(msg, msglen, "cannot set the mode of %s: %s", path,
			 strerror(err));
		return ONSHI_EIO;
	}
	return ONSHI_OK;
}

long folder_count_files(const char *dir)
{
	struct dirent *de;
	struct stat st;
	long n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_REG) {
			n++;
		} else if (de->d_type == DT_UNKNOWN &&
			   fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			   S_ISREG(st.st_mode)) {
			n++;
		}
	}
	closedir(d);
	return n;
}

/* ---- the watch ---- */

static void scan(struct folder_watch *fw, int is_retry);

static void on_timer(void *arg)
{
	struct folder_watch *fw = arg;

	fw->timer = NULL; /* one-shot: already released by the host */
	scan(fw, 1);
}

/* Arrange a scan within ms (an earlier pending one is kept). */
static void schedule_scan(struct folder_watch *fw, unsigned ms)
{
	uint64_t due = mono_ms() + ms;

	if (fw->timer != NULL) {
		if (fw->timer_due <= due)
			return;
		fw->host->timer_stop(fw->inst, fw->timer);
		fw->timer = NULL;
	}
	fw->timer = fw->host->timer_start(fw->inst, ms, 0, on_timer, fw);
	fw->timer_due = due;
	if (fw->timer == NULL)
		fw->host->log(fw->inst, ONSHI_LOG_ERR,
			      "cannot start a timer "
			      "to look at %s again",
			      fw->dir);
}

static void move_to_failed(struct folder_watch *fw, const char *name,
			   const char *why, enum handled *h)
{
	char target[NAME_MAX + 1], reason[NAME_MAX + 16], q[300], err[512];
	char text[1024];
	int n, rc;

	folder_quote(q, sizeof(q), name);
	if (strlen(name) + sizeof(".reason") - 1 <= NAME_MAX) {
		snprintf(target, sizeof(target), "%s", name);
	} else {
		/* No room for the suffix: a made-up name; the reason keeps
		 * the original one. */
		snprintf(target, sizeof(target), "refused-%lld-%lu",
			 (long long)time(NULL), fw->st.refused);
	}
	snprintf(reason, sizeof(reason), "%s.reason", target);
	n = snprintf(text, sizeof(text), "file: %s\nreason: %s\n", q, why);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = (int)strlen(text);
	/* The reason first: after a crash in between, the file is simply
	 * refused again. */
	rc = fw->host->write_file_atomic(fw->inst, fw->failed_dir, reason, text,
					 (size_t)n, 0640, err, sizeof(err));
	if (rc != ONSHI_OK)
		fw->host->log(fw->inst, ONSHI_LOG_WARNING, "%s", err);
	if (renameat(fw->dirfd, name, fw->failedfd, target) < 0) {
		int e = errno;

		fw->host->log(fw->inst, ONSHI_LOG_ERR,
			      "cannot move '%s' to %s: "
			      "%s; it stays in %s",
			      q, fw->failed_dir, strerror(e), fw->dir);
		*h = H_KEPT;
		return;
	}
	fw->st.refused++;
	fw->host->log(fw->inst, ONSHI_LOG_NOTICE,
		      "refused '%s': %s (moved to "
		      "%s)",
		      q, why, fw->failed_dir);
	fw->host->set_event(fw->inst, "refused %s", q);
	*h = H_DONE;
}

static enum handled refuse(struct folder_watch *fw, const char *name, int err,
			   const char *why)
{
	enum handled h = H_DONE;
	int rc;

	if (fw->ops->refused != NULL) {
		rc = fw->ops->refused(fw->arg, fw->dirfd, name, err, why);
		if (rc != ONSHI_OK)
			return H_KEPT; /* the adapter logged why */
	}
	move_to_failed(fw, name, why, &h);
	return h;
}

/* Remove a taken file, unless a new one has replaced it meanwhile. */
static void remove_taken(struct folder_watch *fw, const char *name,
			 unsigned long dev, unsigned long ino)
{
	struct stat st;
	char q[300];

	if (fstatat(fw->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if ((unsigned long)st.st_dev != dev || (unsigned long)st.st_ino != ino)
		return; /* a new file: its own event brings it */
	if (unlinkat(fw->dirfd, name, 0) < 0 && errno != ENOENT) {
		int e = errno;

		folder_quote(q, sizeof(q), name);
		fw->host->log(fw->inst, ONSHI_LOG_WARNING,
			      "cannot remove '%s' "
			      "from %s: %s (it will be offered again and "
			      "recognised as a duplicate)",
			      q, fw->dir, strerror(e));
	}
}

/*
 * Was a directory entry modified within the settle time, so that its
 * writer may not be done with it? With names too: also when it got a
 * name (link() changes only the ctime). *wait_ms: until it is settled.
 */
static int too_young(struct folder_watch *fw, const char *name, int names,
		     unsigned *wait_ms)
{
	const struct timespec *t;
	struct timespec now;
	struct stat st;
	int64_t age_ms;

	if (fw->settle_ms == 0 ||
	    fstatat(fw->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return 0; /* nothing to wait for: refused as it is */
	t = &st.st_mtim;
	if (names &&
	    (st.st_ctim.tv_sec > t->tv_sec ||
	     (st.st_ctim.tv_sec == t->tv_sec && st.st_ctim.tv_nsec > t->tv_nsec)))
		t = &st.st_ctim;
	clock_gettime(CLOCK_REALTIME, &now);
	age_ms = ((int64_t)now.tv_sec - (int64_t)t->tv_sec) * 1000 +
		 ((int64_t)now.tv_nsec - (int64_t)t->tv_nsec) / 1000000;
	/* A clock far in the future (another computer's) must not block it. */
	if (age_ms >= (int64_t)fw->settle_ms || age_ms <= -(int64_t)fw->settle_ms)
		return 0;
	*wait_ms = (unsigned)((int64_t)fw->settle_ms - (age_ms > 0 ? age_ms : 0)) + 10;
	return 1;
}

/* A regular file with several names, one of them made moments ago? */
static int linked_just_now(struct folder_watch *fw, const char *name, unsigned *wait_ms)
{
	struct stat st;

	return fstatat(fw->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode) && st.st_nlink > 1 &&
	       too_young(fw, name, 1, wait_ms);
}

static enum handled handle(struct folder_watch *fw, const char *name, enum seen_by by)
{
	char why[512] = "", q[300];
	unsigned long dev = 0, ino = 0;
	size_t limit = 0, len = 0;
	unsigned wait_ms = 0;
	char *buf = NULL;
	int rc, err = ONSHI_EPERM, fresh;

	/* Taken already, waiting for the adapter to have it durably. */
	for (struct folder_later *l = fw->laters; l; l = l->next)
		if (strcmp(l->name, name) == 0)
			return H_SKIPPED;
	switch (fw->ops->classify(fw->arg, name, &limit, &err, why, sizeof(why))) {
	case FOLDER_SKIP: return H_SKIPPED;
	case FOLDER_REFUSE: return refuse(fw, name, err, why);
	case FOLDER_TAKE: break;
	}
	fresh = too_young(fw, name, 0, &wait_ms);
	if (by == SEEN_BY_SCAN && fresh) {
		schedule_scan(fw, wait_ms);
		return H_DEFERRED;
	}
	rc = folder_read_file(fw->dirfd, name, limit, &buf, &len, &dev, &ino,
			      why, sizeof(why));
	switch (rc) {
	case ONSHI_OK: break;
	case ONSHI_ENOTFOUND: return H_SKIPPED;
	case ONSHI_EPERM:
		if (linked_just_now(fw, name, &wait_ms)) {
			/* Published by link() + unlink(), between the two:
			 * judged once the names have settled. */
			schedule_scan(fw, wait_ms);
			return H_DEFERRED;
		}
		return refuse(fw, name, rc, why);
	case ONSHI_ETOOBIG: return refuse(fw, name, rc, why);
	default:
		fw->host->log(fw->inst, ONSHI_LOG_WARNING, "%s; will retry", why);
		return H_KEPT;
	}
	why[0] = '\0';
	/* A file renamed in is whole; one closed after writing may be the
	 * first of several writes. */
	fw->taking = name;
	fw->taking_dev = dev;
	fw->taking_ino = ino;
	fw->taken_later = NULL;
	rc = fw->ops->take(fw->arg, name, buf, len, by == SEEN_CLOSED && fresh,
			   why, sizeof(why));
	fw->taking = NULL;
	free(buf);
	if (fw->taken_later != NULL) {
		if (rc == ONSHI_OK) {
			fw->taken_later = NULL;
			return H_DONE; /* removed by folder_later_done() */
		}
		folder_later_cancel(fw->taken_later); /* adapter forgot to */
	}
	if (rc == ONSHI_OK || rc == ONSHI_EEXIST) {
		remove_taken(fw, name, dev, ino);
		fw->st.taken++;
		return H_DONE;
	}
	folder_quote(q, sizeof(q), name);
	if (rc == ONSHI_EINCOMPLETE) {
		fw->host->log(fw->inst, ONSHI_LOG_INFO,
			      "'%s' is not complete "
			      "yet (%s); read again once it has been quiet for "
			      "%u ms",
			      q, why, fw->settle_ms);
		schedule_scan(fw, wait_ms ? wait_ms : fw->settle_ms);
		return H_DEFERRED;
	}
	fw->host->log(fw->inst, ONSHI_LOG_WARNING,
		      "'%s' not accepted yet (%s%s%s);"
		      " kept in %s, will retry",
		      q, onshi_strerror(rc), why[0] ? ": " : "", why, fw->dir);
	fw->host->set_event(fw->inst, "%s waiting: %s", q, onshi_strerror(rc));
	return H_KEPT;
}

static void on_path_event(void *arg, uint32_t mask, uint32_t cookie,
			  const char *name);

static int watching(const struct folder_watch *fw)
{
	return fw->shared ? fw->pw != NULL : fw->wd >= 0;
}

/* Watch the folder; -1 with errno, or with msg, on failure. */
static int add_watch(struct folder_watch *fw, char *msg, size_t msglen)
{
	int err;

	if (fw->shared) {
		fw->pw = fw->host->watch_path(fw->inst, fw->dir, WATCH_MASK,
					      on_path_event, fw, msg, msglen);
		if (fw->pw == NULL) {
			errno = EIO; /* msg says why */
			return -1;
		}
		return 0;
	}
	fw->wd = inotify_add_watch(fw->ifd, fw->dir, WATCH_MASK);
	if (fw->wd < 0) {
		err = errno;
		snprintf(msg, msglen, "cannot watch %s: %s%s", fw->dir,
			 strerror(err),
			 err == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
		errno = err;
		return -1;
	}
	return 0;
}

/* Stop watching; the kernel may have dropped the watch already. */
static void drop_watch(struct folder_watch *fw, int kernel_dropped)
{
	if (fw->shared) {
		if (fw->pw != NULL)
			fw->host->unwatch_path(fw->inst, fw->pw);
		fw->pw = NULL;
		return;
	}
	if (fw->wd >= 0 && !kernel_dropped)
		inotify_rm_watch(fw->ifd, fw->wd);
	fw->wd = -1;
}

/* (Re)open the folder and its inotify watch after it was lost. */
static int rewatch(struct folder_watch *fw)
{
	char msg[512];
	int fd, err;

	fd = open(fw->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (add_watch(fw, msg, sizeof(msg)) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	close(fw->dirfd);
	fw->dirfd = fd;
	fw->host->log(fw->inst, ONSHI_LOG_NOTICE, "watching %s again", fw->dir);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan(struct folder_watch *fw, int is_retry)
{
	char **names = NULL, **nn;
	size_t n = 0, cap = 0, i;
	unsigned long kept = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	if (!watching(fw) && rewatch(fw) < 0) {
		fw->host->log(fw->inst, ONSHI_LOG_ERR,
			      "%s is gone (%s): restore "
			      "the folder; looking again in %u s",
			      fw->dir, strerror(errno), fw->backoff_ms / 1000);
		goto retry;
	}
	fd = openat(fw->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		fw->host->log(fw->inst, ONSHI_LOG_ERR, "cannot read %s: %s",
			      fw->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto retry;
	}
	/* Collect first: taking files changes the folder under readdir. */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	/* Oldest-looking first is unknowable; name order is at least stable. */
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (handle(fw, names[i], SEEN_BY_SCAN) == H_KEPT)
			kept++;
		free(names[i]);
	}
	free(names);
	fw->st.waiting = kept;
	if (kept == 0) {
		fw->backoff_ms = fw->retry_min_ms;
		return;
	}
retry:
	if (is_retry) {
		fw->backoff_ms = fw->backoff_ms * 2 > fw->retry_max_ms
					 ? fw->retry_max_ms
					 : fw->backoff_ms * 2;
	}
	schedule_scan(fw, fw->backoff_ms);
}

void folder_watch_rescan(struct folder_watch *fw)
{
	scan(fw, 0);
}

/* The safety scan: requests inotify did not report (network mounts). */
static void on_rescan(void *arg)
{
	scan(arg, 0);
}

static void batch_forget_created(struct event_batch *b, const char *name)
{
	size_t i = 0;

	while (i < b->ncreated) {
		if (name == NULL || strcmp(b->created[i], name) == 0) {
			free(b->created[i]);
			b->created[i] = b->created[--b->ncreated];
		} else {
			i++;
		}
	}
}

/* One event of the folder (name NULL: of the folder itself). */
static void on_event(struct folder_watch *fw, uint32_t mask, const char *name,
		     struct event_batch *b)
{
	if (mask & IN_Q_OVERFLOW) {
		b->need_scan = 1; /* events were lost */
		return;
	}
	if (mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
		if (watching(fw)) {
			drop_watch(fw, (mask & IN_IGNORED) != 0);
			fw->host->log(fw->inst, ONSHI_LOG_ERR,
				      "%s was removed or moved; "
				      "no requests are taken "
				      "until it is back",
				      fw->dir);
			schedule_scan(fw, fw->backoff_ms);
		}
		return;
	}
	if (name == NULL || name[0] == '\0' ||
	    !(mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)))
		return;
	if (name[0] == '.')
		return; /* hidden: a writer's temporary file */
	if (!(mask & (IN_CLOSE_WRITE | IN_MOVED_TO))) {
		/* Created, maybe never closed after writing (link(),
		 * mknod()): unless closed in this same batch, a scan after
		 * the settle time takes it. */
		char *copy = b->ncreated < sizeof(b->created) / sizeof(b->created[0])
				     ? strdup(name)
				     : NULL;

		if (copy != NULL)
			b->created[b->ncreated++] = copy;
		else
			b->unclosed = 1;
		return;
	}
	batch_forget_created(b, name);
	if (handle(fw, name, (mask & IN_MOVED_TO) ? SEEN_MOVED : SEEN_CLOSED) ==
	    H_KEPT) {
		b->kept = 1;
		fw->st.waiting++;
	}
}

/* After a read's events: the scans they asked for. */
static void batch_finish(struct folder_watch *fw, struct event_batch *b)
{
	int need_scan = b->need_scan, kept = b->kept;
	int unclosed = b->unclosed || b->ncreated > 0;

	batch_forget_created(b, NULL);
	b->need_scan = b->kept = b->unclosed = 0;
	if (need_scan)
		scan(fw, 0);
	else if (kept)
		schedule_scan(fw, fw->backoff_ms);
	if (unclosed)
		schedule_scan(fw, fw->settle_ms + 10);
}

/* Our own inotify fd (a daemon before ABI 1.6). */
static void on_inotify(int fd, unsigned events, void *arg)
{
	struct folder_watch *fw = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	(void)events;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			/* A watch dropped earlier may still have events queued. */
			if (!(ev->mask & IN_Q_OVERFLOW) && ev->wd != fw->wd)
				continue;
			on_event(fw, ev->mask, ev->len ? ev->name : NULL, &fw->batch);
		}
	}
	batch_finish(fw, &fw->batch);
}

static void on_batch_end(void *arg)
{
	struct folder_watch *fw = arg;

	fw->batch_end = NULL; /* one-shot: already released by the host */
	batch_finish(fw, &fw->batch);
}

/* The daemon's inotify (ABI 1.6): one event a call. */
static void on_path_event(void *arg, uint32_t mask, uint32_t cookie, const char *name)
{
	struct folder_watch *fw = arg;
	struct event_batch *b = &fw->batch;

	(void)cookie;
	on_event(fw, mask, name, b);
	/* The rest of this read's events come first, as they would from our
	 * own fd: a file created and closed in it needs no scan. */
	if ((b->need_scan || b->kept || b->unclosed || b->ncreated > 0) &&
	    fw->batch_end == NULL) {
		fw->batch_end = fw->host->timer_start(fw->inst, 0, 0,
						      on_batch_end, fw);
		if (fw->batch_end == NULL)
			batch_finish(fw, b); /* out of memory: at once */
	}
}

int folder_watch_start(const struct onshi_host *host, struct onshi_instance *inst,
		       const struct folder_watch_config *cfg,
		       const struct folder_watch_ops *ops, void *arg,
		       struct folder_watch **out, char *msg, size_t msglen)
{
	struct folder_watch *fw = calloc(1, sizeof(*fw));
	int err;

	*out = NULL;
	if (fw == NULL) {
		snprintf(msg, msglen, "out of memory");
		return ONSHI_ENOMEM;
	}
	fw->host = host;
	fw->inst = inst;
	fw->ops = ops;
	fw->arg = arg;
	fw->dirfd = fw->failedfd = fw->ifd = fw->wd = -1;
	fw->settle_ms = cfg->settle_ms;
	fw->retry_min_ms = cfg->retry_min_ms ? cfg->retry_min_ms : 1000;
	fw->retry_max_ms = cfg->retry_max_ms > fw->retry_min_ms
				   ? cfg->retry_max_ms
				   : fw->retry_min_ms;
	fw->backoff_ms = fw->retry_min_ms;
	fw->dir = strdup(cfg->dir);
	fw->failed_dir = strdup(cfg->failed_dir);
	if (fw->dir == NULL || fw->failed_dir == NULL) {
		snprintf(msg, msglen, "out of memory");
		folder_watch_stop(fw);
		return ONSHI_ENOMEM;
	}
	fw->dirfd = open(fw->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fw->dirfd < 0) {
		err = errno;
		snprintf(msg, msglen, "cannot open %s: %s", fw->dir, strerror(err));
		goto fail;
	}
	fw->failedfd = open(fw->failed_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fw->failedfd < 0) {
		err = errno;
		snprintf(msg, msglen, "cannot open %s: %s", fw->failed_dir,
			 strerror(err));
		goto fail;
	}
	fw->shared = ONSHI_HOST_HAS(host, unwatch_path) &&
		     host->watch_path != NULL && host->unwatch_path != NULL;
	if (!fw->shared) {
		fw->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (fw->ifd < 0) {
			err = errno;
			snprintf(msg, msglen, "cannot start inotify: %s%s",
				 strerror(err),
				 err == EMFILE ? " (raise fs.inotify.max_user_instances)"
					       : "");
			goto fail;
		}
	}
	/* Watch before scanning, so that nothing slips in between. */
	if (add_watch(fw, msg, msglen) < 0)
		goto fail;
	if (!fw->shared) {
		fw->watch = host->watch_fd(inst, fw->ifd, ONSHI_FD_READ,
					   on_inotify, fw);
		if (fw->watch == NULL) {
			snprintf(msg, msglen,
				 "cannot register the inotify fd with the loop");
			folder_watch_stop(fw);
			return ONSHI_ENOMEM;
		}
	}
	if (cfg->rescan_ms > 0) {
		fw->rescan = host->timer_start(inst, cfg->rescan_ms, 1,
					       on_rescan, fw);
		if (fw->rescan == NULL) {
			snprintf(msg, msglen, "cannot start the safety scan timer");
			folder_watch_stop(fw);
			return ONSHI_ENOMEM;
		}
	}
	*out = fw;
	scan(fw, 0);
	return ONSHI_OK;
fail:
	folder_watch_stop(fw);
	return ONSHI_EIO;
}

struct folder_later *folder_watch_take_later(struct folder_watch *fw)
{
	struct folder_later *l;
	size_t n;

	if (fw == NULL || fw->taking == NULL)
		return NULL;
	n = strlen(fw->taking) + 1;
	l = malloc(sizeof(*l) + n);
	if (l == NULL)
		return NULL;
	memcpy(l->name, fw->taking, n);
	l->fw = fw;
	l->dev = fw->taking_dev;
	l->ino = fw->taking_ino;
	l->next = fw->laters;
	fw->laters = l;
	fw->taken_later = l;
	return l;
}

const char *folder_later_name(const struct folder_later *l)
{
	return l->name;
}

void *folder_later_arg(const struct folder_later *l)
{
	return l->fw->arg;
}

static void later_unlink(struct folder_later *l)
{
	struct folder_later **pp;

	for (pp = &l->fw->laters; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
}

void folder_later_cancel(struct folder_later *l)
{
	if (l == NULL)
		return;
	later_unlink(l);
	if (l->fw->taken_later == l)
		l->fw->taken_later = NULL;
	free(l);
}

void folder_later_done(struct folder_later *l, int rc, const char *why)
{
	struct folder_watch *fw = l->fw;
	char q[300];

	later_unlink(l);
	if (rc == ONSHI_OK || rc == ONSHI_EEXIST) {
		remove_taken(fw, l->name, l->dev, l->ino);
		fw->st.taken++;
		free(l);
		return;
	}
	folder_quote(q, sizeof(q), l->name);
	fw->host->log(fw->inst, ONSHI_LOG_WARNING,
		      "'%s' not accepted yet (%s%s%s); kept in %s, will retry",
		      q, onshi_strerror(rc), why && why[0] ? ": " : "",
		      why ? why : "", fw->dir);
	fw->host->set_event(fw->inst, "%s waiting: %s", q, onshi_strerror(rc));
	free(l);
	schedule_scan(fw, fw->backoff_ms);
}

void folder_watch_stop(struct folder_watch *fw)
{
	if (fw == NULL)
		return;
	/* The host tells a stopped instance nothing more: these are done. */
	while (fw->laters != NULL) {
		struct folder_later *l = fw->laters;

		fw->laters = l->next;
		free(l);
	}
	if (fw->timer != NULL)
		fw->host->timer_stop(fw->inst, fw->timer);
	if (fw->rescan != NULL)
		fw->host->timer_stop(fw->inst, fw->rescan);
	if (fw->batch_end != NULL)
		fw->host->timer_stop(fw->inst, fw->batch_end);
	batch_forget_created(&fw->batch, NULL);
	drop_watch(fw, 0);
	if (fw->watch != NULL)
		fw->host->unwatch_fd(fw->inst, fw->watch);
	if (fw->ifd >= 0)
		close(fw->ifd);
	if (fw->dirfd >= 0)
		close(fw->dirfd);
	if (fw->failedfd >= 0)
		close(fw->failedfd);
	free(fw->dir);
	free(fw->failed_dir);
	free(fw);
}

void folder_watch_stats(const struct folder_watch *fw, struct folder_stats *st)
{
	if (fw == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = fw->st;
}

int folder_adapter_start(const struct onshi_host *host,
			 struct onshi_instance *inst, const char *const *dirs,
			 size_t ndirs, const char *watch, const char *failed,
			 unsigned rescan_s, const struct folder_watch_ops *ops,
			 void *arg, struct folder_watch **out)
{
	struct folder_watch_config cfg = {
		.dir = watch,
		.failed_dir = failed,
		.settle_ms = FOLDER_SETTLE_MS,
		.retry_min_ms = FOLDER_RETRY_MIN_MS,
		.retry_max_ms = FOLDER_RETRY_MAX_MS,
		.rescan_ms = rescan_s * 1000u,
	};
	char msg[512];
	size_t i;
	int rc;

	for (i = 0; i < ndirs; i++) {
		rc = folder_ensure_dir(dirs[i], FOLDER_DIR_MODE, msg, sizeof(msg));
		if (rc != ONSHI_OK) {
			host->log(inst, ONSHI_LOG_ERR, "%s", msg);
			return rc;
		}
	}
	rc = folder_watch_start(host, inst, &cfg, ops, arg, out, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		host->log(inst, ONSHI_LOG_ERR, "%s", msg);
		return rc;
	}
	host->set_event(inst, "watching %s", watch);
	return ONSHI_OK;
}

char *folder_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (s != NULL) {
		memcpy(s, a, la);
		s[la] = '/';
		memcpy(s + la + 1, b, lb + 1);
	}
	return s;
}
