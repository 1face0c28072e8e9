/* SPDX-License-Identifier: Apache-2.0 */
/*
 * group_commit.h — make many written files durable with one round of
 * fsyncs on a worker thread, and tell the loop thread once they are.
 *
 * On a real disk each durable write (fsync of the file, rename, fsync of
 * its folder) costs a journal commit; done one by one on the loop thread
 * they set both the latency and the ceiling of the daemon (bench 1b). Here
 * the loop thread only writes (to the page cache) and queues; a worker
 * takes everything queued as one round: starts writeback of every file,
 * fsyncs them, renames them into place in queue order, fsyncs each
 * distinct folder once, and posts the round back. What was queued while a
 * round ran forms the next round. Completions run on the loop thread in
 * queue order, after the whole round: a consequence (an adapter deleting
 * its request file, the spool forgetting a delivered record) never runs
 * before the round that made its precondition durable has completed.
 *
 * A failure anywhere in a round (fsync, rename, folder fsync) is given to
 * every member of that round: a file not yet renamed is removed, so none
 * of them is relied on. The files of a set (a delivery's result and its
 * copies) complete together: the set's callback runs once all are done.
 */
#ifndef ONSHI_GROUP_COMMIT_H
#define ONSHI_GROUP_COMMIT_H

#include <stddef.h>

struct onshi_loop;
struct onshi_group_commit;
struct onshi_commit_set;

/* On the loop thread: rc is ONSHI_OK once durable, else the round's error
 * with why saying what failed (never NULL). */
typedef void (*onshi_commit_cb)(void *arg, int rc, const char *why);

/* A worker thread posting completions to loop. */
int onshi_group_commit_new(struct onshi_loop *loop, struct onshi_group_commit **out,
			   char *msg, size_t msglen);
/* Finish every round (running their completions), stop the worker, free. */
void onshi_group_commit_free(struct onshi_group_commit *gc);

/*
 * Queue a written file: fd is open on it at tmp_dirfd/tmp_name, to be
 * renamed to dirfd/name (tmp_dirfd may be dirfd) and dirfd fsynced. The
 * three fds are taken over (closed by the commit, also on error). what
 * names the file in messages. cb may be NULL.
 */
int onshi_group_commit_file(struct onshi_group_commit *gc, int fd, int tmp_dirfd,
			    const char *tmp_name, int dirfd, const char *name,
			    const char *what, onshi_commit_cb cb, void *arg);
/* Queue an fsync of a folder (after unlinks there); dirfd is taken over. */
int onshi_group_commit_dir(struct onshi_group_commit *gc, int dirfd,
			   const char *what, onshi_commit_cb cb, void *arg);

/*
 * Queue an fdatasync of fd (a file written in place, like an append-only
 * log), run with the next round's fsyncs (so it shares their journal
 * commit) but with an outcome of its own: its failure fails no one else,
 * a failed round does not skip it. fd is taken over. Syncs of one file
 * queued for the same round share one fdatasync and its outcome.
 */
int onshi_group_commit_sync(struct onshi_group_commit *gc, int fd,
			    const char *what, onshi_commit_cb cb, void *arg);

/*
 * A set of files that complete together: begin it (it becomes the current
 * set, which onshi_group_commit_current() returns), add files with
 * onshi_commit_set_file(), end it. cb runs once every file in it is
 * durable, or with the first error. end returns how many files the set
 * holds: 0 frees it at once and cb never runs.
 */
struct onshi_commit_set *onshi_group_commit_set_begin(struct onshi_group_commit *gc,
						      onshi_commit_cb cb, void *arg);
size_t onshi_group_commit_set_end(struct onshi_group_commit *gc,
				  struct onshi_commit_set *set);
/* The set being filled, or NULL. */
struct onshi_commit_set *onshi_group_commit_current(struct onshi_group_commit *gc);
/* onshi_group_commit_file() counted in set. */
int onshi_commit_set_file(struct onshi_commit_set *set, int fd, int tmp_dirfd,
			  const char *tmp_name, int dirfd, const char *name,
			  const char *what);

/*
 * On the loop thread: wait until everything queued is durable and run the
 * completions now (also those queued by completions).
 */
void onshi_group_commit_flush(struct onshi_group_commit *gc);

/*
 * Hold: the worker starts no new round until released (a test sees what
 * one round groups; a caller may gather a burst).
 */
void onshi_group_commit_hold(struct onshi_group_commit *gc, int hold);

/* For tests: the next round fails as a disk would, every member of it
 * (syncs too) with errno err. */
void onshi_group_commit_fail_next(struct onshi_group_commit *gc, int err);

/* Rounds and members committed so far. */
void onshi_group_commit_stats(struct onshi_group_commit *gc,
			      unsigned long *rounds, unsigned long *members);

#endif
