/* SPDX-License-Identifier: Apache-2.0 */
/*
 * path_watch.c — one inotify fd for the whole daemon, its events dispatched
 * by watch descriptor to the subscriptions of each folder (path_watch.h).
 *
 * Callbacks may remove any subscription, or add new ones, while an event
 * is being dispatched: removed ones are only marked and freed once the
 * read is done, and ones added during an event do not get that event.
 * Lists are searched linearly: a daemon watches a few hundred folders at
 * most, and one event costs one comparison per subscription.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "loop.h"
#include "path_watch.h"

/* Flags a shared kernel watch cannot honour per subscription. */
#ifdef IN_MASK_CREATE
#define REFUSED_FLAGS (IN_MASK_ADD | IN_ONESHOT | IN_MASK_CREATE)
#else
#define REFUSED_FLAGS (IN_MASK_ADD | IN_ONESHOT)
#endif
#define ALLOWED_FLAGS (IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

/* One kernel watch (one wd), shared by the subscriptions of a folder. */
struct kernel_watch {
	struct kernel_watch *next;
	int wd;
	unsigned subs; /* live subscriptions on it */
	int dead;      /* removed or IN_IGNORED: freed after the read */
};

struct onshi_path_watch {
	struct onshi_path_watch *next;
	struct kernel_watch *kw; /* NULL once IN_IGNORED came */
	const void *owner;
	uint32_t mask;
	onshi_path_cb cb;
	void *arg;
	unsigned long serial; /* added during an event: not told of it */
	int gone;             /* removed: freed after the read */
};

struct onshi_path_watches {
	struct onshi_loop *loop;
	struct onshi_loop_watch *watch;
	int fd;
	struct kernel_watch *kws;
	struct onshi_path_watch *subs, **subs_tail;
	unsigned long next_serial;
	int dispatching; /* freeing waits until the read is done */
};

static void on_readable(int fd, unsigned events, void *arg)
{
	(void)fd;
	(void)events;
	onshi_path_watches_dispatch(arg);
}

int onshi_path_watches_new(struct onshi_loop *loop, struct onshi_path_watches **out)
{
	struct onshi_path_watches *pws = calloc(1, sizeof(*pws));

	*out = NULL;
	if (pws == NULL)
		return ONSHI_ENOMEM;
	pws->loop = loop;
	pws->fd = -1;
	pws->subs_tail = &pws->subs;
	*out = pws;
	return ONSHI_OK;
}

/* Free what was marked, once no callback runs. */
static void sweep(struct onshi_path_watches *pws)
{
	struct kernel_watch **kp = &pws->kws;
	struct onshi_path_watch **sp = &pws->subs;

	while (*kp != NULL) {
		struct kernel_watch *kw = *kp;

		if (kw->dead) {
			*kp = kw->next;
			free(kw);
		} else {
			kp = &kw->next;
		}
	}
	pws->subs_tail = &pws->subs;
	while (*sp != NULL) {
		struct onshi_path_watch *w = *sp;

		if (w->gone) {
			*sp = w->next;
			free(w);
		} else {
			sp = &w->next;
			pws->subs_tail = sp;
		}
	}
}

void onshi_path_watches_free(struct onshi_path_watches *pws)
{
	struct onshi_path_watch *w;

	if (pws == NULL)
		return;
	for (w = pws->subs; w != NULL; w = w->next)
		w->gone = 1;
	for (struct kernel_watch *kw = pws->kws; kw != NULL; kw = kw->next)
		kw->dead = 1;
	sweep(pws);
	if (pws->watch != NULL)
		onshi_loop_unwatch(pws->loop, pws->watch);
	if (pws->fd >= 0)
		close(pws->fd); /* drops its kernel watches too */
	free(pws);
}

static struct kernel_watch *find_wd(struct onshi_path_watches *pws, int wd)
{
	for (struct kernel_watch *kw = pws->kws; kw != NULL; kw = kw->next)
		if (!kw->dead && kw->wd == wd)
			return kw;
	return NULL;
}

static int open_fd(struct onshi_path_watches *pws, char *msg, size_t msglen)
{
	int err;

	if (pws->fd >= 0)
		return ONSHI_OK;
	pws->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (pws->fd < 0) {
		err = errno;
		snprintf(msg, msglen, "cannot start inotify: %s%s", strerror(err),
			 err == EMFILE ? " (raise fs.inotify.max_user_instances)"
				       : "");
		return ONSHI_EIO;
	}
	/* Owned by the set, not by a plugin: it outlives any instance. */
	pws->watch = onshi_loop_watch(pws->loop, pws, pws->fd, ONSHI_FD_READ,
				      on_readable, pws);
	if (pws->watch == NULL) {
		close(pws->fd);
		pws->fd = -1;
		snprintf(msg, msglen, "cannot register the inotify fd with the loop");
		return ONSHI_ENOMEM;
	}
	return ONSHI_OK;
}

struct onshi_path_watch *onshi_path_watch_add(struct onshi_path_watches *pws,
					      const void *owner, const char *path,
					      uint32_t mask, onshi_path_cb cb,
					      void *arg, char *msg, size_t msglen)
{
	struct onshi_path_watch *w;
	struct kernel_watch *kw;
	int wd, err;

	if (path == NULL || cb == NULL || (mask & REFUSED_FLAGS) ||
	    (mask & ~(uint32_t)(IN_ALL_EVENTS | ALLOWED_FLAGS)) ||
	    !(mask & IN_ALL_EVENTS)) {
		snprintf(msg, msglen,
			 "cannot watch %s: mask 0x%x is not inotify events "
			 "(with IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK)",
			 path ? path : "(no path)", (unsigned)mask);
		return NULL;
	}
	if (open_fd(pws, msg, msglen) != ONSHI_OK)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		snprintf(msg, msglen, "cannot watch %s: out of memory", path);
		return NULL;
	}
	/* IN_MASK_ADD: a folder watched already keeps the events its other
	 * subscriptions asked for; the kernel gives back that folder's wd. */
	wd = inotify_add_watch(pws->fd, path, mask | IN_MASK_ADD);
	if (wd < 0) {
		err = errno;
		free(w);
		snprintf(msg, msglen, "cannot watch %s: %s%s", path, strerror(err),
			 err == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
		return NULL;
	}
	kw = find_wd(pws, wd);
	if (kw == NULL) {
		kw = calloc(1, sizeof(*kw));
		if (kw == NULL) {
			inotify_rm_watch(pws->fd, wd);
			free(w);
			snprintf(msg, msglen, "cannot watch %s: out of memory", path);
			return NULL;
		}
		kw->wd = wd;
		kw->next = pws->kws;
		pws->kws = kw;
	}
	kw->subs++;
	w->kw = kw;
	w->owner = owner;
	w->mask = mask & IN_ALL_EVENTS;
	w->cb = cb;
	w->arg = arg;
	w->serial = pws->next_serial++;
	*pws->subs_tail = w;
	pws->subs_tail = &w->next;
	return w;
}

/* The subscription no longer counts on its kernel watch. */
static void detach(struct onshi_path_watches *pws, struct onshi_path_watch *w)
{
	struct kernel_watch *kw = w->kw;

	w->kw = NULL;
	if (kw == NULL || --kw->subs > 0)
		return;
	/* The last one: the kernel watch goes (its IN_IGNORED is dropped,
	 * as no live watch has that wd any more). */
	inotify_rm_watch(pws->fd, kw->wd);
	kw->dead = 1;
}

void onshi_path_watch_remove(struct onshi_path_watches *pws,
			     struct onshi_path_watch *w)
{
	if (pws == NULL || w == NULL || w->gone)
		return;
	w->gone = 1;
	detach(pws, w);
	if (!pws->dispatching)
		sweep(pws);
}

int onshi_path_watch_owned_by(const struct onshi_path_watches *pws,
			      const struct onshi_path_watch *w, const void *owner)
{
	/* By address among the live ones: a stale handle is not followed. */
	for (const struct onshi_path_watch *s = pws ? pws->subs : NULL; s; s = s->next)
		if (s == w)
			return !s->gone && s->owner == owner;
	return 0;
}

unsigned onshi_path_watches_forget_owner(struct onshi_path_watches *pws,
					 const void *owner)
{
	unsigned n = 0;

	if (pws == NULL)
		return 0;
	pws->dispatching++; /* keep the list whole while walking it */
	for (struct onshi_path_watch *w = pws->subs; w != NULL; w = w->next)
		if (!w->gone && w->owner == owner) {
			onshi_path_watch_remove(pws, w);
			n++;
		}
	if (--pws->dispatching == 0)
		sweep(pws);
	return n;
}

static void dispatch_one(struct onshi_path_watches *pws,
			 const struct inotify_event *ev)
{
	unsigned long before = pws->next_serial;
	const char *name = ev->len > 0 && ev->name[0] ? ev->name : NULL;
	struct kernel_watch *kw = NULL;
	struct onshi_path_watch *w;

	if (!(ev->mask & IN_Q_OVERFLOW)) {
		kw = find_wd(pws, ev->wd);
		if (kw == NULL)
			return; /* a watch removed while its events were queued */
	}
	for (w = pws->subs; w != NULL; w = w->next) {
		if (w->gone || w->serial >= before || w->kw == NULL)
			continue;
		if (kw == NULL) /* overflow: everyone rescans */
			w->cb(w->arg, ev->mask, ev->cookie, NULL);
		else if (w->kw == kw &&
			 (ev->mask & (w->mask | IN_IGNORED | IN_UNMOUNT)))
			w->cb(w->arg, ev->mask, ev->cookie, name);
	}
	if (kw != NULL && (ev->mask & IN_IGNORED) && !kw->dead) {
		/* The kernel dropped the watch: its subscriptions hear
		 * nothing more, and a new watch of the path gets a new one. */
		for (w = pws->subs; w != NULL; w = w->next)
			if (w->kw == kw)
				w->kw = NULL;
		kw->subs = 0;
		kw->dead = 1;
	}
}

void onshi_path_watches_dispatch(struct onshi_path_watches *pws)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;

	if (pws == NULL || pws->fd < 0)
		return;
	pws->dispatching++;
	for (;;) {
		n = read(pws->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			dispatch_one(pws, ev);
		}
	}
	if (--pws->dispatching == 0)
		sweep(pws);
}

size_t onshi_path_watches_kernel_count(const struct onshi_path_watches *pws)
{
	size_t n = 0;

	for (const struct kernel_watch *kw = pws ? pws->kws : NULL; kw; kw = kw->next)
		if (!kw->dead)
			n++;
	return n;
}

int onshi_path_watches_fd(const struct onshi_path_watches *pws)
{
	return pws ? pws->fd : -1;
}
