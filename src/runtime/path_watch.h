/* SPDX-License-Identifier: Apache-2.0 */
/*
 * path_watch.h — the daemon's one inotify instance, shared by every plugin
 * that watches a folder (host->watch_path, ABI 1.6).
 *
 * fs.inotify.max_user_instances (128 by default) counts inotify fds per
 * user across all processes: one per folder adapter would stop a daemon
 * serving a clinic group. Here one fd sits on the loop and its events are
 * dispatched by watch descriptor to the subscriptions of that folder. Two
 * subscriptions of one folder share the kernel watch (inotify_add_watch
 * gives the same wd for the same inode): it carries the union of their
 * masks and goes when the last one leaves. IN_Q_OVERFLOW reaches every
 * subscription (each rescans); IN_IGNORED those of its wd, which then
 * hear nothing more. Subscriptions carry an owner tag, like loop
 * registrations, so that what a stopped plugin instance left is removed.
 */
#ifndef ONSHI_CORE_PATH_WATCH_H
#define ONSHI_CORE_PATH_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <onshi/host.h>

struct onshi_loop;
struct onshi_path_watches;

/* The set; its inotify fd is opened at the first subscription. */
int onshi_path_watches_new(struct onshi_loop *loop, struct onshi_path_watches **out);
/* Closes the fd; subscriptions still there are freed. */
void onshi_path_watches_free(struct onshi_path_watches *pws);

/*
 * Subscribe cb to path's events in mask (see host.h watch_path for the
 * flags allowed). NULL with msg on failure.
 */
struct onshi_path_watch *onshi_path_watch_add(struct onshi_path_watches *pws,
					      const void *owner, const char *path,
					      uint32_t mask, onshi_path_cb cb,
					      void *arg, char *msg, size_t msglen);
/* Unsubscribe; safe from inside any subscription's callback. */
void onshi_path_watch_remove(struct onshi_path_watches *pws,
			     struct onshi_path_watch *w);
/* Whether w is a live subscription of owner (host services check). */
int onshi_path_watch_owned_by(const struct onshi_path_watches *pws,
			      const struct onshi_path_watch *w, const void *owner);
/* Remove every subscription of owner; returns how many there were. */
unsigned onshi_path_watches_forget_owner(struct onshi_path_watches *pws,
					 const void *owner);

/*
 * Read and dispatch what the inotify fd has now (the loop calls it when
 * the fd is readable; tests call it directly, as inotify queues an event
 * before the system call that caused it returns).
 */
void onshi_path_watches_dispatch(struct onshi_path_watches *pws);

/* Kernel watches held now (tests: shared folders hold one). */
size_t onshi_path_watches_kernel_count(const struct onshi_path_watches *pws);
/* The inotify fd, -1 before the first subscription. */
int onshi_path_watches_fd(const struct onshi_path_watches *pws);

#endif
