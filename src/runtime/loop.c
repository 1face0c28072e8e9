/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.c — epoll, a timer heap and an eventfd post queue.
 *
 * Watches and timers removed while callbacks are running are only marked
 * dead and freed after the current dispatch round, so a callback may remove
 * anything (itself included) without leaving a dangling pointer in the
 * batch epoll_wait() returned.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct onshi_loop_watch {
	int fd;
	unsigned events;
	onshi_fd_cb cb;
	void *arg;
	const void *owner;
	int dead;
	struct onshi_loop_watch *next; /* all watches */
};

struct onshi_loop_timer {
	uint64_t due;    /* monotonic ms */
	uint64_t period; /* 0: one-shot */
	onshi_timer_cb cb;
	void *arg;
	const void *owner;
	size_t heap_index; /* position in the heap; SIZE_MAX when not in it */
	int firing;        /* one-shot inside its callback: freed after it */
};

struct post {
	onshi_post_cb cb;
	void *arg;
	const void *owner;
	struct post *next;
};

struct onshi_loop {
	int epfd;
	int wakefd; /* eventfd: posts from other threads wake epoll_wait */
	int quit;
	struct onshi_loop_watch *watches;
	int dead_watches;
	struct onshi_loop_timer **heap;
	size_t nheap, capheap;
	pthread_mutex_t post_lock;
	struct post *post_head, *post_tail;
	struct post before_wait[ONSHI_LOOP_BEFORE_WAIT_MAX]; /* cb NULL: free */
};

uint64_t onshi_loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int onshi_loop_new(struct onshi_loop **out)
{
	struct onshi_loop *loop = calloc(1, sizeof(*loop));
	struct epoll_event ev = { .events = EPOLLIN };

	*out = NULL;
	if (!loop)
		return ONSHI_ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->epfd < 0 || loop->wakefd < 0)
		goto fail;
	ev.data.ptr = NULL; /* NULL marks the wake fd */
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) < 0)
		goto fail;
	pthread_mutex_init(&loop->post_lock, NULL);
	*out = loop;
	return ONSHI_OK;
fail:
	if (loop->epfd >= 0)
		close(loop->epfd);
	if (loop->wakefd >= 0)
		close(loop->wakefd);
	free(loop);
	return ONSHI_EIO;
}

/* ---- timer heap (min-heap on due time) ---- */

static void heap_swap(struct onshi_loop *loop, size_t a, size_t b)
{
	struct onshi_loop_timer *t = loop->heap[a];

	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_index = a;
	loop->heap[b]->heap_index = b;
}

static void heap_up(struct onshi_loop *loop, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (loop->heap[parent]->due <= loop->heap[i]->due)
			break;
		heap_swap(loop, i, parent);
		i = parent;
	}
}

static void heap_down(struct onshi_loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < loop->nheap && loop->heap[l]->due < loop->heap[m]->due)
			m = l;
		if (r < loop->nheap && loop->heap[r]->due < loop->heap[m]->due)
			m = r;
		if (m == i)
			return;
		heap_swap(loop, i, m);
		i = m;
	}
}

static int heap_push(struct onshi_loop *loop, struct onshi_loop_timer *t)
{
	if (loop->nheap == loop->capheap) {
		size_t cap = loop->capheap ? loop->capheap * 2 : 16;
		struct onshi_loop_timer **h = realloc(loop->heap, cap * sizeof(*h));

		if (!h)
			return ONSHI_ENOMEM;
		loop->heap = h;
		loop->capheap = cap;
	}
	t->heap_index = loop->nheap;
	loop->heap[loop->nheap++] = t;
	heap_up(loop, t->heap_index);
	return ONSHI_OK;
}

static void heap_remove(struct onshi_loop *loop, struct onshi_loop_timer *t)
{
	size_t i = t->heap_index;

	if (i == SIZE_MAX)
		return;
	loop->nheap--;
	if (i != loop->nheap) {
		loop->heap[i] = loop->heap[loop->nheap];
		loop->heap[i]->heap_index = i;
		heap_down(loop, i);
		heap_up(loop, i);
	}
	t->heap_index = SIZE_MAX;
}

struct onshi_loop_timer *onshi_loop_timer(struct onshi_loop *loop,
					  const void *owner, uint64_t ms,
					  int repeat, onshi_timer_cb cb, void *arg)
{
	struct onshi_loop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->due = onshi_loop_now_ms() + ms;
	t->period = repeat ? (ms ? ms : 1) : 0;
	t->cb = cb;
	t->arg = arg;
	t->owner = owner;
	if (heap_push(loop, t) != ONSHI_OK) {
		free(t);
		return NULL;
	}
	return t;
}

void onshi_loop_timer_stop(struct onshi_loop *loop, struct onshi_loop_timer *t)
{
	if (!t)
		return;
	heap_remove(loop, t);
	if (!t->firing)
		free(t);
}

int onshi_loop_timer_owned_by(const struct onshi_loop_timer *t, const void *owner)
{
	return t && t->owner == owner;
}

/* Fire due timers; returns ms until the next one, or -1 for none. */
static int run_timers(struct onshi_loop *loop)
{
	uint64_t now = onshi_loop_now_ms();

	while (loop->nheap && loop->heap[0]->due <= now && !loop->quit) {
		struct onshi_loop_timer *t = loop->heap[0];

		if (t->period) {
			t->due = now + t->period;
			heap_down(loop, 0);
			t->cb(t->arg); /* may stop t: it is still valid here */
		} else {
			heap_remove(loop, t);
			t->firing = 1; /* a stop from inside cb must not free */
			t->cb(t->arg);
			free(t); /* one-shot timers release themselves */
		}
		now = onshi_loop_now_ms();
	}
	if (!loop->nheap)
		return -1;
	if (loop->heap[0]->due <= now)
		return 0;
	uint64_t wait = loop->heap[0]->due - now;
	return wait > 60000 ? 60000 : (int)wait;
}

/* ---- fd watches ---- */

static uint32_t to_epoll(unsigned events)
{
	uint32_t e = 0;

	if (events & ONSHI_FD_READ)
		e |= EPOLLIN;
	if (events & ONSHI_FD_WRITE)
		e |= EPOLLOUT;
	return e;
}

struct onshi_loop_watch *onshi_loop_watch(struct onshi_loop *loop,
					  const void *owner, int fd, unsigned events,
					  onshi_fd_cb cb, void *arg)
{
	struct onshi_loop_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev;

	if (!w)
		return NULL;
	w->fd = fd;
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	w->owner = owner;
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return NULL;
	}
	w->next = loop->watches;
	loop->watches = w;
	return w;
}

int onshi_loop_watch_modify(struct onshi_loop *loop, struct onshi_loop_watch *w,
			    unsigned events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return ONSHI_EIO;
	w->events = events;
	return ONSHI_OK;
}

void onshi_loop_unwatch(struct onshi_loop *loop, struct onshi_loop_watch *w)
{
	if (!w || w->dead)
		return;
	/* The fd may already be closed by its owner: ignore the error. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = 1;
	loop->dead_watches = 1;
}

int onshi_loop_watch_owned_by(const struct onshi_loop_watch *w, const void *owner)
{
	return w && !w->dead && w->owner == owner;
}

static void reap_watches(struct onshi_loop *loop)
{
	struct onshi_loop_watch **pp = &loop->watches;

	if (!loop->dead_watches)
		return;
	while (*pp) {
		struct onshi_loop_watch *w = *pp;

		if (w->dead) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
	loop->dead_watches = 0;
}

/* ---- posts ---- */

int onshi_loop_post(struct onshi_loop *loop, const void *owner,
		    onshi_post_cb cb, void *arg)
{
	struct post *p = malloc(sizeof(*p));
	uint64_t one = 1;

	if (!p)
		return ONSHI_ENOMEM;
	p->cb = cb;
	p->arg = arg;
	p->owner = owner;
	p->next = NULL;
	pthread_mutex_lock(&loop->post_lock);
	if (loop->post_tail)
		loop->post_tail->next = p;
	else
		loop->post_head = p;
	loop->post_tail = p;
	pthread_mutex_unlock(&loop->post_lock);
	/* A full eventfd counter still wakes the loop: ignore EAGAIN. */
	if (write(loop->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return ONSHI_EIO;
	return ONSHI_OK;
}

static void run_posts(struct onshi_loop *loop)
{
	uint64_t count;
	struct post *list;

	if (read(loop->wakefd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&loop->post_lock);
	list = loop->post_head;
	loop->post_head = loop->post_tail = NULL;
	pthread_mutex_unlock(&loop->post_lock);
	while (list) {
		struct post *p = list;

		list = p->next;
		p->cb(p->arg);
		free(p);
	}
}

int onshi_loop_before_wait(struct onshi_loop *loop, const void *owner,
			   onshi_post_cb cb, void *arg)
{
	for (size_t i = 0; i < ONSHI_LOOP_BEFORE_WAIT_MAX; i++)
		if (!loop->before_wait[i].cb) {
			loop->before_wait[i] = (struct post){ .cb = cb,
							      .arg = arg,
							      .owner = owner };
			return ONSHI_OK;
		}
	return ONSHI_ENOMEM;
}

unsigned onshi_loop_forget_owner(struct onshi_loop *loop, const void *owner)
{
	unsigned leaked = 0;
	struct post **pp;

	for (size_t i = 0; i < ONSHI_LOOP_BEFORE_WAIT_MAX; i++)
		if (loop->before_wait[i].owner == owner)
			loop->before_wait[i].cb = NULL;

	for (struct onshi_loop_watch *w = loop->watches; w; w = w->next)
		if (!w->dead && w->owner == owner) {
			onshi_loop_unwatch(loop, w);
			leaked++;
		}
	for (size_t i = 0; i < loop->nheap;) {
		if (loop->heap[i]->owner == owner) {
			onshi_loop_timer_stop(loop, loop->heap[i]);
			leaked++;
			i = 0; /* the heap was reordered */
		} else {
			i++;
		}
	}
	pthread_mutex_lock(&loop->post_lock);
	pp = &loop->post_head;
	loop->post_tail = NULL;
	while (*pp) {
		struct post *p = *pp;

		if (p->owner == owner) {
			*pp = p->next;
			free(p);
		} else {
			loop->post_tail = p;
			pp = &p->next;
		}
	}
	pthread_mutex_unlock(&loop->post_lock);
	return leaked;
}

/* ---- running ---- */

void onshi_loop_quit(struct onshi_loop *loop)
{
	loop->quit = 1;
}

int onshi_loop_run(struct onshi_loop *loop)
{
	struct epoll_event events[64];

	loop->quit = 0;
	while (!loop->quit) {
		int timeout = run_timers(loop), n;

		reap_watches(loop);
		if (loop->quit)
			break;
		for (size_t i = 0; i < ONSHI_LOOP_BEFORE_WAIT_MAX; i++)
			if (loop->before_wait[i].cb)
				loop->before_wait[i].cb(loop->before_wait[i].arg);
		if (loop->quit)
			break;
		n = epoll_wait(loop->epfd, events, 64, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ONSHI_EIO;
		}
		for (int i = 0; i < n && !loop->quit; i++) {
			struct onshi_loop_watch *w = events[i].data.ptr;
			unsigned got = 0;

			if (!w) {
				run_posts(loop);
				continue;
			}
			if (w->dead)
				continue;
			if (events[i].events & EPOLLIN)
				got |= ONSHI_FD_READ;
			if (events[i].events & EPOLLOUT)
				got |= ONSHI_FD_WRITE;
			if (events[i].events & (EPOLLERR | EPOLLHUP))
				got |= ONSHI_FD_ERROR;
			w->cb(w->fd, got, w->arg);
		}
		reap_watches(loop);
	}
	return ONSHI_OK;
}

void onshi_loop_free(struct onshi_loop *loop)
{
	struct post *p;

	if (!loop)
		return;
	while (loop->watches) {
		struct onshi_loop_watch *w = loop->watches;

		loop->watches = w->next;
		free(w);
	}
	for (size_t i = 0; i < loop->nheap; i++)
		free(loop->heap[i]);
	free(loop->heap);
	p = loop->post_head;
	while (p) {
		struct post *next = p->next;

		free(p);
		p = next;
	}
	pthread_mutex_destroy(&loop->post_lock);
	close(loop->epfd);
	close(loop->wakefd);
	free(loop);
}
