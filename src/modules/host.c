/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host.c — the services table plugins receive (struct onshi_host).
 *
 * Each service maps a plugin's instance handle onto the core: its logger,
 * its resolved configuration values, the event loop (registrations owned by
 * the instance so that they can be swept when it stops).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/message.h>

#include <fcntl.h>
#include <unistd.h>

#include "atomic_file.h"
#include "card_read.h"
#include "core.h"
#include "host.h"
#include "inquiry.h"
#include "group_commit.h"
#include "module.h"
#include "path_watch.h"
#include "spool.h"

static void host_log(struct onshi_instance *inst, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	onshi_vlogf(&inst->module->core->log, level, inst->module->name, fmt, ap);
	va_end(ap);
}

static const struct onshi_conf_value *find_value(struct onshi_instance *inst,
						 const char *key)
{
	for (size_t i = 0; i < inst->nvalues; i++)
		if (strcmp(inst->values[i].key, key) == 0)
			return &inst->values[i];
	onshi_logf(&inst->module->core->log, ONSHI_LOG_WARNING,
		   "%s: plugin asked for key '%s' it does not declare (plugin bug)",
		   inst->module->name, key);
	return NULL;
}

static const char *host_conf_str(struct onshi_instance *inst, const char *key)
{
	const struct onshi_conf_value *v = find_value(inst, key);

	return v ? v->value : NULL;
}

static long host_conf_int(struct onshi_instance *inst, const char *key)
{
	const struct onshi_conf_value *v = find_value(inst, key);
	long l = 0;

	/* Values were range-checked when the instance was created. */
	if (v && v->value && onshi_conf_parse_long(v->value, 0, 0, &l) < 0)
		l = 0;
	return l;
}

static int host_conf_bool(struct onshi_instance *inst, const char *key)
{
	const struct onshi_conf_value *v = find_value(inst, key);

	return v && v->value && onshi_conf_parse_bool(v->value) == 1;
}

static const char *host_module_name(struct onshi_instance *inst)
{
	return inst->module->name;
}

static const char *host_institution_code(struct onshi_instance *inst)
{
	return inst->institution_code;
}

static struct onshi_watch *host_watch_fd(struct onshi_instance *inst, int fd,
					 unsigned events, onshi_fd_cb cb, void *arg)
{
	struct onshi_loop_watch *w = onshi_loop_watch(inst->module->core->loop,
						      inst, fd, events, cb, arg);

	if (!w)
		host_log(inst, ONSHI_LOG_ERR, "cannot watch fd %d", fd);
	return (struct onshi_watch *)w;
}

static int host_watch_modify(struct onshi_instance *inst, struct onshi_watch *w,
			     unsigned events)
{
	struct onshi_loop_watch *lw = (struct onshi_loop_watch *)w;

	if (!onshi_loop_watch_owned_by(lw, inst))
		return ONSHI_EINVAL;
	return onshi_loop_watch_modify(inst->module->core->loop, lw, events);
}

static void host_unwatch_fd(struct onshi_instance *inst, struct onshi_watch *w)
{
	struct onshi_loop_watch *lw = (struct onshi_loop_watch *)w;

	if (onshi_loop_watch_owned_by(lw, inst))
		onshi_loop_unwatch(inst->module->core->loop, lw);
}

static struct onshi_timer *host_timer_start(struct onshi_instance *inst,
					    uint64_t ms, int repeat,
					    onshi_timer_cb cb, void *arg)
{
	return (struct onshi_timer *)onshi_loop_timer(inst->module->core->loop,
						      inst, ms, repeat, cb, arg);
}

static void host_timer_stop(struct onshi_instance *inst, struct onshi_timer *t)
{
	struct onshi_loop_timer *lt = (struct onshi_loop_timer *)t;

	if (onshi_loop_timer_owned_by(lt, inst))
		onshi_loop_timer_stop(inst->module->core->loop, lt);
}

static int host_post(struct onshi_instance *inst, onshi_post_cb cb, void *arg)
{
	return onshi_loop_post(inst->module->core->loop, inst, cb, arg);
}

static void host_set_event(struct onshi_instance *inst, const char *fmt, ...)
{
	struct onshi_module *mod = inst->module;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mod->last_event, sizeof(mod->last_event), fmt, ap);
	va_end(ap);
	mod->last_event_at = time(NULL);
}

static int host_msg_write(const struct onshi_msg *m, int charset, char **out,
			  size_t *outlen, size_t *substituted, char *msg,
			  size_t msglen)
{
	return onshi_msg_write(m, (enum onshi_charset)charset, out, outlen,
			       substituted, msg, msglen);
}

static void host_buf_free(void *p)
{
	free(p);
}

static int host_file_name_classify(const char *name, int *kind, char *id,
				   size_t idlen, char *msg, size_t msglen)
{
	enum onshi_msg_kind k = ONSHI_MSG_NONE;
	int rc = onshi_file_name_classify(name, &k, id, idlen, msg, msglen);

	*kind = (int)k;
	return rc;
}

static int host_file_name_result(int kind, const char *id, int face, char *out,
				 size_t outlen)
{
	return onshi_file_name_result((enum onshi_msg_kind)kind, id, face != 0,
				      out, outlen);
}

static int host_file_name_error(int kind, const char *id, char *out, size_t outlen)
{
	return onshi_file_name_error((enum onshi_msg_kind)kind, id, out, outlen);
}

static int host_write_file_atomic(struct onshi_instance *inst, const char *dir,
				  const char *name, const void *data, size_t len,
				  unsigned mode, char *msg, size_t msglen)
{
	(void)inst;
	return onshi_write_file_atomic(dir, name, data, len, mode, msg, msglen);
}

static int host_write_file_staged(struct onshi_instance *inst,
				  const char *tmp_dir, const char *dir,
				  const char *name, const void *data, size_t len,
				  unsigned mode, char *msg, size_t msglen)
{
	(void)inst;
	return onshi_write_file_staged(tmp_dir, dir, name, data, len, mode, msg,
				       msglen);
}

/*
 * Inside a deliver op (the core has a commit set open for it): written
 * now, made durable with the set in the group commit's next round, and
 * the answer forgotten only then (inquiry_deliver.c). Elsewhere: at once.
 */
static int host_write_file_staged_later(struct onshi_instance *inst,
					const char *tmp_dir, const char *dir,
					const char *name, const void *data,
					size_t len, unsigned mode, char *msg,
					size_t msglen)
{
	struct onshi_core *core = inst->module->core;
	struct onshi_commit_set *set =
		core->spool
			? onshi_group_commit_current(onshi_spool_commit(core->spool))
			: NULL;
	struct onshi_unflushed_file f;
	char what[300];
	int rc;

	if (!set)
		return onshi_write_file_staged(tmp_dir, dir, name, data, len,
					       mode, msg, msglen);
	rc = onshi_write_file_unflushed(tmp_dir, dir, name, data, len, mode, &f,
					msg, msglen);
	if (rc != ONSHI_OK)
		return rc;
	snprintf(what, sizeof(what), "%s/%s", dir, name);
	rc = onshi_commit_set_file(set, f.fd, f.tmp_dirfd, f.tmp_name, f.dirfd,
				   name, what);
	if (rc != ONSHI_OK) {
		unlinkat(f.tmp_dirfd, f.tmp_name, 0);
		close(f.fd);
		if (f.tmp_dirfd != f.dirfd)
			close(f.tmp_dirfd);
		close(f.dirfd);
		snprintf(msg, msglen, "cannot write %s: out of memory", what);
	}
	return rc;
}

/*
 * The core's one inotify fd serves every instance (ABI 1.6): opened with
 * the first watch, the subscriptions owned by the instance so that they
 * go when it stops (module.c).
 */
static struct onshi_path_watch *host_watch_path(struct onshi_instance *inst,
						const char *path, uint32_t mask,
						onshi_path_cb cb, void *arg,
						char *msg, size_t msglen)
{
	struct onshi_core *core = inst->module->core;

	if (core->path_watches == NULL &&
	    onshi_path_watches_new(core->loop, &core->path_watches) != ONSHI_OK) {
		snprintf(msg, msglen, "cannot watch %s: out of memory", path);
		return NULL;
	}
	return onshi_path_watch_add(core->path_watches, inst, path, mask, cb,
				    arg, msg, msglen);
}

static void host_unwatch_path(struct onshi_instance *inst, struct onshi_path_watch *w)
{
	struct onshi_core *core = inst->module->core;

	if (w == NULL)
		return;
	if (!onshi_path_watch_owned_by(core->path_watches, w, inst)) {
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "%s: unwatch_path of a watch it does not hold (plugin bug)",
			   inst->module->name);
		return;
	}
	onshi_path_watch_remove(core->path_watches, w);
}

static const struct onshi_host host_table = {
	.size = sizeof(struct onshi_host),
	.abi_major = ONSHI_ABI_MAJOR,
	.abi_minor = ONSHI_ABI_MINOR,
	.log = host_log,
	.conf_str = host_conf_str,
	.conf_int = host_conf_int,
	.conf_bool = host_conf_bool,
	.module_name = host_module_name,
	.institution_code = host_institution_code,
	.watch_fd = host_watch_fd,
	.watch_modify = host_watch_modify,
	.unwatch_fd = host_unwatch_fd,
	.timer_start = host_timer_start,
	.timer_stop = host_timer_stop,
	.post = host_post,
	.set_event = host_set_event,
	.submit = onshi_inquiry_submit,
	.msg_write = host_msg_write,
	.buf_free = host_buf_free,
	.file_name_classify = host_file_name_classify,
	.file_name_result = host_file_name_result,
	.file_name_error = host_file_name_error,
	.write_file_atomic = host_write_file_atomic,
	.challenge = onshi_card_challenge,
	.card_submit = onshi_card_submit,
	.submit_flags = onshi_inquiry_submit_flags,
	.write_file_staged = host_write_file_staged,
	.device_state = onshi_module_device_state,
	.submit_later = onshi_inquiry_submit_later,
	.write_file_staged_later = host_write_file_staged_later,
	.watch_path = host_watch_path,
	.unwatch_path = host_unwatch_path,
};

const struct onshi_host *onshi_host_table(void)
{
	return &host_table;
}
