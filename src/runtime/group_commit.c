/* SPDX-License-Identifier: Apache-2.0 */
/*
 * group_commit.c — rounds of fsyncs on one worker thread; see
 * group_commit.h for the contract.
 *
 * The loop thread appends members to `queue`; the worker takes the whole
 * queue as a round, makes it durable, appends the round to `done` and
 * posts one wake-up; the loop thread runs the completions of `done` in
 * order. Only members cross between the threads, under the lock; sets and
 * callbacks are touched on the loop thread only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <onshi/error.h>

#include "group_commit.h"
#include "loop.h"

/* M_SYNC: an fdatasync whose outcome is its own (see
 * onshi_group_commit_sync). */
enum member_kind {
	M_FILE,
	M_DIR,
	M_SYNC
};

struct member {
	struct member *next;
	enum member_kind kind;
	int fd, tmp_dirfd, dirfd; /* -1 when unused; tmp_dirfd == dirfd: one fd */
	char *tmp_name, *name, *what;
	int renamed;
	int synced, sync_err; /* M_SYNC: done, and its errno (0: ok) */
	/* M_SYNC of a file an earlier member of the round syncs already:
	 * that one's fdatasync is this one's too. */
	struct member *same;
	onshi_commit_cb cb;
	void *arg;
	struct onshi_commit_set *set;
};

struct round {
	struct round *next;
	struct member *members;
	int rc;
	int inject_err; /* fail every member with this errno (tests) */
	char why[512];
};

struct onshi_commit_set {
	struct onshi_group_commit *gc;
	onshi_commit_cb cb;
	void *arg;
	size_t files, left;
	int rc;
	char why[512];
	int ended;
};

struct onshi_group_commit {
	struct onshi_loop *loop;
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the worker: work, release or stop */
	pthread_cond_t idle; /* flush: a round finished */
	struct member *queue, **queue_tail;
	struct round *done, **done_tail;
	int running, stopping, held, posted;
	int inject_err; /* onshi_group_commit_fail_next() */
	/* Members queued on the loop thread wake the worker once, when the
	 * loop is about to wait (kick): everything a loop round queued then
	 * forms one round, and the worker is not woken (nor its lock
	 * contended) for each. Queued on another thread: woken at once. */
	pthread_t owner;
	int deferred;     /* kick is registered with the loop */
	int kick_pending; /* loop thread only */
	unsigned long rounds, members;
	struct onshi_commit_set *current;
};

static void close_member_fds(struct member *m)
{
	if (m->fd >= 0)
		close(m->fd);
	if (m->tmp_dirfd >= 0 && m->tmp_dirfd != m->dirfd)
		close(m->tmp_dirfd);
	if (m->dirfd >= 0)
		close(m->dirfd);
	m->fd = m->tmp_dirfd = m->dirfd = -1;
}

static void member_free(struct member *m)
{
	close_member_fds(m);
	free(m->tmp_name);
	free(m->name);
	free(m->what);
	free(m);
}

/* Whether dirfd names a folder already fsynced in this round. */
static int same_dir_before(struct member *list, struct member *upto, int dirfd)
{
	struct stat a, b;

	if (fstat(dirfd, &a) < 0)
		return 0;
	for (struct member *m = list; m != upto; m = m->next)
		if (m->dirfd >= 0 && fstat(m->dirfd, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 1;
	return 0;
}

static void fail_round(struct round *r, const struct member *m,
		       const char *step, int err)
{
	if (r->rc != ONSHI_OK)
		return; /* the first failure is the one that counts */
	r->rc = ONSHI_EIO;
	snprintf(r->why, sizeof(r->why), "%s: %s: %s%s",
		 m->what ? m->what : "a file", step, strerror(err),
		 err == ENOSPC  ? " (the disk is full: free some space)"
		 : err == EROFS ? " (the file system is read-only)"
				: "");
}

/*
 * At most this many fsyncs of one round run at once. The journal commits
 * once for every fsync waiting on it: fsyncs issued one after the other
 * each wait for a commit of their own (an extent converted after the
 * previous commit started), fsyncs issued together share one.
 */
#define FSYNC_THREADS 8

/* One phase of a round: fsync the fds picked from members, in parallel. */
struct fsync_phase {
	struct round *r;
	struct member **todo; /* members whose fd (files) or dirfd (dirs) */
	size_t n, next;
	int dirs;
	pthread_mutex_t lock;
};

/* fsync the next member of the phase; 0 when none is left. */
static int fsync_next(struct fsync_phase *ph)
{
	struct member *m;
	int fd, err = 0;

	pthread_mutex_lock(&ph->lock);
	if (ph->next >= ph->n || ph->r->rc != ONSHI_OK) {
		pthread_mutex_unlock(&ph->lock);
		return 0;
	}
	m = ph->todo[ph->next++];
	pthread_mutex_unlock(&ph->lock);
	fd = ph->dirs ? m->dirfd : m->fd;
	if (m->kind == M_SYNC) {
		/* Its own outcome: the round's members do not depend on it,
		 * nor it on them. */
		m->sync_err = fdatasync(fd) < 0 ? errno : 0;
		m->synced = 1;
		return 1;
	}
	if (fsync(fd) < 0)
		err = errno;
	if (err) {
		pthread_mutex_lock(&ph->lock);
		fail_round(ph->r, m,
			   ph->dirs ? "cannot flush its folder"
				    : "cannot flush it to disk",
			   err);
		pthread_mutex_unlock(&ph->lock);
	}
	return 1;
}

static void *fsync_some(void *arg)
{
	while (fsync_next(arg))
		;
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * An fsync quicker than this found nothing to wait for (tmpfs, or data
 * already on its way): helper threads would cost more than they save, so
 * the rest of the phase runs on the worker alone. On tmpfs the rounds are
 * many and small, and creating threads for each was most of their cost.
 */
#define FAST_FSYNC_NS 100000u

/* fsync every member of todo[0..n), up to FSYNC_THREADS at once. */
static void fsync_parallel(struct round *r, struct member **todo, size_t n, int dirs)
{
	struct fsync_phase ph = { .r = r, .todo = todo, .n = n, .dirs = dirs };
	pthread_t th[FSYNC_THREADS];
	size_t started = 0;
	uint64_t t0 = now_ns();

	pthread_mutex_init(&ph.lock, NULL);
	if (fsync_next(&ph) && now_ns() - t0 >= FAST_FSYNC_NS) {
		/* The worker itself is one of them; helpers only for the
		 * rest. */
		while (started + 1 < FSYNC_THREADS && started + 2 < n &&
		       pthread_create(&th[started], NULL, fsync_some, &ph) == 0)
			started++;
	}
	fsync_some(&ph);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&ph.lock);
}

/*
 * Syncs of one file queued many times in a round (each spool record
 * queues one for the spool log) need one fdatasync: the others take its
 * outcome. The files a round syncs this way are few (the spool log, the
 * audit log), so each member is compared with those seen so far.
 */
static void share_syncs(struct round *r)
{
	struct member *seen[8], *m;
	struct stat st[8], mst;
	size_t nseen = 0;

	for (m = r->members; m; m = m->next) {
		if (m->kind != M_SYNC || fstat(m->fd, &mst) < 0)
			continue;
		for (size_t i = 0; i < nseen && !m->same; i++)
			if (st[i].st_dev == mst.st_dev && st[i].st_ino == mst.st_ino)
				m->same = seen[i];
		if (!m->same && nseen < 8) {
			seen[nseen] = m;
			st[nseen++] = mst;
		}
	}
}

/* The worker's part: make one round durable, in the order set out in
 * group_commit.h. */
static void commit_round(struct round *r)
{
	struct member *m, **todo;
	size_t n = 0, nfiles = 0, ndirs = 0;

	for (m = r->members; m; m = m->next)
		n++;
	todo = calloc(n ? n : 1, sizeof(*todo));
	share_syncs(r);
	/* A test's disk failure: as if the first fsync had failed, and every
	 * sync with it. */
	for (m = r->members; m && r->inject_err; m = m->next) {
		fail_round(r, m, "cannot flush it to disk", r->inject_err);
		if (m->kind == M_SYNC) {
			m->sync_err = r->inject_err;
			m->synced = 1;
		}
	}
	/* Start writeback of every file at once, so that the fsyncs below
	 * find their data on its way. */
	for (m = r->members; m; m = m->next)
		if (m->kind == M_FILE || (m->kind == M_SYNC && !m->same)) {
			sync_file_range(m->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
			if (todo)
				todo[nfiles++] = m;
		}
	if (todo) {
		fsync_parallel(r, todo, nfiles, 0);
	} else {
		for (m = r->members; m && r->rc == ONSHI_OK; m = m->next)
			if (m->kind == M_FILE && fsync(m->fd) < 0)
				fail_round(r, m, "cannot flush it to disk", errno);
	}
	/* A sync left out by a failed round is done now: its outcome does
	 * not depend on the round's. */
	for (m = r->members; m; m = m->next)
		if (m->kind == M_SYNC && !m->same && !m->synced) {
			m->sync_err = fdatasync(m->fd) < 0 ? errno : 0;
			m->synced = 1;
		}
	for (m = r->members; m; m = m->next)
		if (m->same) {
			m->sync_err = m->same->sync_err;
			m->synced = 1;
		}
	/* close() reports a delayed write error on some file systems. */
	for (m = r->members; m; m = m->next) {
		if (m->kind != M_FILE)
			continue;
		if (close(m->fd) < 0)
			fail_round(r, m, "cannot close it", errno);
		m->fd = -1;
	}
	/* In queue order: a reader sees a delivery's files appear in the
	 * order they were written (an .err before its request copy). */
	for (m = r->members; m && r->rc == ONSHI_OK; m = m->next) {
		if (m->kind != M_FILE)
			continue;
		if (renameat(m->tmp_dirfd, m->tmp_name, m->dirfd, m->name) < 0)
			fail_round(r, m, "cannot rename it into place", errno);
		else
			m->renamed = 1;
	}
	/* Each distinct folder once, after every rename into it. */
	for (m = r->members; m && r->rc == ONSHI_OK; m = m->next) {
		if (m->dirfd < 0 || same_dir_before(r->members, m, m->dirfd))
			continue;
		if (todo)
			todo[ndirs++] = m;
		else if (fsync(m->dirfd) < 0)
			fail_round(r, m, "cannot flush its folder", errno);
	}
	if (todo && r->rc == ONSHI_OK)
		fsync_parallel(r, todo, ndirs, 1);
	free(todo);
	/* Nothing of a failed round is relied on: unrenamed files go. */
	for (m = r->members; m; m = m->next)
		if (m->kind == M_FILE && !m->renamed && r->rc != ONSHI_OK)
			unlinkat(m->tmp_dirfd, m->tmp_name, 0);
	for (m = r->members; m; m = m->next)
		close_member_fds(m);
}

static void run_done(void *arg);

static void *worker_main(void *arg)
{
	struct onshi_group_commit *gc = arg;

	pthread_mutex_lock(&gc->lock);
	for (;;) {
		struct round *r;
		unsigned long n = 0;

		while (!gc->stopping && (gc->queue == NULL || gc->held))
			pthread_cond_wait(&gc->wake, &gc->lock);
		if (gc->queue == NULL) /* stopping, and nothing left */
			break;
		r = calloc(1, sizeof(*r));
		if (r == NULL) { /* try again shortly; nothing is lost */
			pthread_mutex_unlock(&gc->lock);
			usleep(1000);
			pthread_mutex_lock(&gc->lock);
			continue;
		}
		r->members = gc->queue;
		r->inject_err = gc->inject_err;
		gc->inject_err = 0;
		gc->queue = NULL;
		gc->queue_tail = &gc->queue;
		gc->running = 1;
		pthread_mutex_unlock(&gc->lock);

		commit_round(r);
		for (struct member *m = r->members; m; m = m->next)
			n++;

		pthread_mutex_lock(&gc->lock);
		gc->running = 0;
		gc->rounds++;
		gc->members += n;
		*gc->done_tail = r;
		gc->done_tail = &r->next;
		if (!gc->posted &&
		    onshi_loop_post(gc->loop, gc, run_done, gc) == ONSHI_OK)
			gc->posted = 1;
		pthread_cond_broadcast(&gc->idle);
	}
	pthread_mutex_unlock(&gc->lock);
	return NULL;
}

static void kick(void *arg);

int onshi_group_commit_new(struct onshi_loop *loop, struct onshi_group_commit **out,
			   char *msg, size_t msglen)
{
	struct onshi_group_commit *gc = calloc(1, sizeof(*gc));
	int err;

	*out = NULL;
	if (gc == NULL)
		return ONSHI_ENOMEM;
	gc->loop = loop;
	gc->owner = pthread_self();
	gc->deferred = loop && onshi_loop_before_wait(loop, gc, kick, gc) == ONSHI_OK;
	gc->queue_tail = &gc->queue;
	gc->done_tail = &gc->done;
	pthread_mutex_init(&gc->lock, NULL);
	pthread_cond_init(&gc->wake, NULL);
	pthread_cond_init(&gc->idle, NULL);
	err = pthread_create(&gc->worker, NULL, worker_main, gc);
	if (err != 0) {
		snprintf(msg, msglen, "cannot start the disk commit thread: %s",
			 strerror(err));
		if (loop)
			onshi_loop_forget_owner(loop, gc);
		pthread_cond_destroy(&gc->idle);
		pthread_cond_destroy(&gc->wake);
		pthread_mutex_destroy(&gc->lock);
		free(gc);
		return ONSHI_EIO;
	}
	*out = gc;
	return ONSHI_OK;
}

/* A set member finished: the set's callback once the last one has. */
static void set_member_done(struct onshi_commit_set *set, int rc, const char *why)
{
	if (rc != ONSHI_OK && set->rc == ONSHI_OK) {
		set->rc = rc;
		snprintf(set->why, sizeof(set->why), "%s", why);
	}
	if (--set->left > 0 || !set->ended)
		return;
	if (set->cb)
		set->cb(set->arg, set->rc, set->rc == ONSHI_OK ? "" : set->why);
	free(set);
}

/* On the loop thread: the completions of every finished round, in order. */
static void run_done(void *arg)
{
	struct onshi_group_commit *gc = arg;
	struct round *list;

	pthread_mutex_lock(&gc->lock);
	list = gc->done;
	gc->done = NULL;
	gc->done_tail = &gc->done;
	gc->posted = 0;
	pthread_mutex_unlock(&gc->lock);
	while (list) {
		struct round *r = list;

		list = r->next;
		for (struct member *m = r->members, *next; m; m = next) {
			const char *why = r->rc == ONSHI_OK ? "" : r->why;

			next = m->next;
			if (m->kind == M_SYNC) {
				char err[512];

				snprintf(err, sizeof(err),
					 "%s: cannot flush it to disk: %s",
					 m->what ? m->what : "a file",
					 strerror(m->sync_err));
				if (m->cb)
					m->cb(m->arg,
					      m->sync_err ? ONSHI_EIO : ONSHI_OK,
					      m->sync_err ? err : "");
			} else if (m->set)
				set_member_done(m->set, r->rc, why);
			else if (m->cb)
				m->cb(m->arg, r->rc, why);
			member_free(m);
		}
		free(r);
	}
}

static int enqueue(struct onshi_group_commit *gc, struct member *m)
{
	int later = gc->deferred && pthread_equal(pthread_self(), gc->owner);

	pthread_mutex_lock(&gc->lock);
	*gc->queue_tail = m;
	gc->queue_tail = &m->next;
	if (!later)
		pthread_cond_signal(&gc->wake);
	pthread_mutex_unlock(&gc->lock);
	if (later)
		gc->kick_pending = 1;
	return ONSHI_OK;
}

/* The loop is about to wait: wake the worker for what this round queued. */
static void kick(void *arg)
{
	struct onshi_group_commit *gc = arg;

	if (!gc->kick_pending)
		return;
	gc->kick_pending = 0;
	pthread_mutex_lock(&gc->lock);
	pthread_cond_signal(&gc->wake);
	pthread_mutex_unlock(&gc->lock);
}

static struct member *file_member(int fd, int tmp_dirfd, const char *tmp_name,
				  int dirfd, const char *name, const char *what)
{
	struct member *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->kind = M_FILE;
	m->fd = fd;
	m->tmp_dirfd = tmp_dirfd;
	m->dirfd = dirfd;
	m->tmp_name = strdup(tmp_name);
	m->name = strdup(name);
	m->what = strdup(what ? what : name);
	if (!m->tmp_name || !m->name || !m->what) {
		/* The caller removes the temporary file and closes its fds. */
		m->fd = m->tmp_dirfd = m->dirfd = -1;
		member_free(m);
		return NULL;
	}
	return m;
}

int onshi_group_commit_file(struct onshi_group_commit *gc, int fd, int tmp_dirfd,
			    const char *tmp_name, int dirfd, const char *name,
			    const char *what, onshi_commit_cb cb, void *arg)
{
	struct member *m = file_member(fd, tmp_dirfd, tmp_name, dirfd, name, what);

	if (m == NULL)
		return ONSHI_ENOMEM;
	m->cb = cb;
	m->arg = arg;
	return enqueue(gc, m);
}

/* A member that is one fd to fsync (M_DIR: dirfd; M_SYNC: fd), no rename. */
static int enqueue_sync_only(struct onshi_group_commit *gc,
			     enum member_kind kind, int fd, int dirfd,
			     const char *what, onshi_commit_cb cb, void *arg)
{
	struct member *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return ONSHI_ENOMEM;
	m->kind = kind;
	m->fd = fd;
	m->tmp_dirfd = -1;
	m->dirfd = dirfd;
	m->what = what ? strdup(what) : NULL;
	m->cb = cb;
	m->arg = arg;
	return enqueue(gc, m);
}

int onshi_group_commit_dir(struct onshi_group_commit *gc, int dirfd,
			   const char *what, onshi_commit_cb cb, void *arg)
{
	return enqueue_sync_only(gc, M_DIR, -1, dirfd, what, cb, arg);
}

int onshi_group_commit_sync(struct onshi_group_commit *gc, int fd,
			    const char *what, onshi_commit_cb cb, void *arg)
{
	return enqueue_sync_only(gc, M_SYNC, fd, -1, what, cb, arg);
}

struct onshi_commit_set *onshi_group_commit_set_begin(struct onshi_group_commit *gc,
						      onshi_commit_cb cb, void *arg)
{
	struct onshi_commit_set *set = calloc(1, sizeof(*set));

	if (set == NULL)
		return NULL;
	set->gc = gc;
	set->cb = cb;
	set->arg = arg;
	set->rc = ONSHI_OK;
	gc->current = set;
	return set;
}

size_t onshi_group_commit_set_end(struct onshi_group_commit *gc,
				  struct onshi_commit_set *set)
{
	size_t files;

	if (gc->current == set)
		gc->current = NULL;
	if (set == NULL)
		return 0;
	files = set->files;
	if (files == 0) {
		free(set);
		return 0;
	}
	/* Completions run from the loop, never from here: left > 0. */
	set->ended = 1;
	return files;
}

struct onshi_commit_set *onshi_group_commit_current(struct onshi_group_commit *gc)
{
	return gc ? gc->current : NULL;
}

int onshi_commit_set_file(struct onshi_commit_set *set, int fd, int tmp_dirfd,
			  const char *tmp_name, int dirfd, const char *name,
			  const char *what)
{
	struct member *m = file_member(fd, tmp_dirfd, tmp_name, dirfd, name, what);

	if (m == NULL)
		return ONSHI_ENOMEM;
	m->set = set;
	set->files++;
	set->left++;
	return enqueue(set->gc, m);
}

void onshi_group_commit_flush(struct onshi_group_commit *gc)
{
	for (;;) {
		pthread_mutex_lock(&gc->lock);
		/* A held commit would never finish: a flush releases it. */
		gc->held = 0;
		pthread_cond_signal(&gc->wake);
		while (gc->queue != NULL || gc->running)
			pthread_cond_wait(&gc->idle, &gc->lock);
		if (gc->done == NULL) {
			pthread_mutex_unlock(&gc->lock);
			return;
		}
		pthread_mutex_unlock(&gc->lock);
		run_done(gc); /* may queue more: go round again */
	}
}

void onshi_group_commit_fail_next(struct onshi_group_commit *gc, int err)
{
	pthread_mutex_lock(&gc->lock);
	gc->inject_err = err;
	pthread_mutex_unlock(&gc->lock);
}

void onshi_group_commit_hold(struct onshi_group_commit *gc, int hold)
{
	pthread_mutex_lock(&gc->lock);
	gc->held = hold != 0;
	pthread_cond_signal(&gc->wake);
	pthread_mutex_unlock(&gc->lock);
}

void onshi_group_commit_stats(struct onshi_group_commit *gc,
			      unsigned long *rounds, unsigned long *members)
{
	pthread_mutex_lock(&gc->lock);
	if (rounds)
		*rounds = gc->rounds;
	if (members)
		*members = gc->members;
	pthread_mutex_unlock(&gc->lock);
}

void onshi_group_commit_free(struct onshi_group_commit *gc)
{
	if (gc == NULL)
		return;
	onshi_group_commit_flush(gc);
	pthread_mutex_lock(&gc->lock);
	gc->stopping = 1;
	pthread_cond_signal(&gc->wake);
	pthread_mutex_unlock(&gc->lock);
	pthread_join(gc->worker, NULL);
	/* Its wake-up may still be queued: the rounds were run above. */
	onshi_loop_forget_owner(gc->loop, gc);
	pthread_cond_destroy(&gc->idle);
	pthread_cond_destroy(&gc->wake);
	pthread_mutex_destroy(&gc->lock);
	free(gc);
}
