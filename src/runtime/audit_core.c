/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit_core.c — the daemon's audit log: where its file is ([audit] file,
 * else <spool dir>/audit.log) and the core-level calls the rest of the
 * daemon makes. The writer itself (audit.c) takes only the loop, the log
 * and a path, so it is tested on its own (tests/unit/test_audit.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "conf.h"
#include "core.h"

int onshi_audit_open(struct onshi_core *core, char *msg, size_t msglen)
{
	const char *v = onshi_conf_section_get(onshi_config_section(core->config,
								    "audit", NULL),
					       "file");
	char *path = NULL;
	int rc;

	if (v)
		path = onshi_config_resolve_path(core->config, v);
	else if (asprintf(&path, "%s/audit.log", core->settings.spool_dir) < 0)
		path = NULL;
	if (!path) {
		snprintf(msg, msglen, "out of memory");
		return ONSHI_ENOMEM;
	}
	rc = onshi_audit_writer_open(core->loop, &core->log, path, &core->audit,
				     msg, msglen);
	free(path);
	return rc;
}

void onshi_audit_close(struct onshi_core *core)
{
	if (!core)
		return;
	onshi_audit_writer_close(core->audit);
	core->audit = NULL;
}

void onshi_audit_set_commit(struct onshi_core *core, struct onshi_group_commit *gc)
{
	if (core)
		onshi_audit_writer_set_commit(core->audit, gc);
}

void onshi_audit(struct onshi_core *core, const char *kind, ...)
{
	va_list ap;

	if (!core || !core->audit)
		return;
	va_start(ap, kind);
	onshi_audit_record_v(core->audit, kind, ap);
	va_end(ap);
}

void onshi_audit_actor(struct onshi_core *core, const char *actor)
{
	if (core)
		onshi_audit_set_actor(core->audit, actor);
}

const char *onshi_audit_actor_get(struct onshi_core *core)
{
	return core ? onshi_audit_get_actor(core->audit) : NULL;
}

const char *onshi_audit_path(struct onshi_core *core)
{
	return core ? onshi_audit_file(core->audit) : NULL;
}

int onshi_audit_head(struct onshi_core *core, uint64_t *seq, char hash[65])
{
	return core ? onshi_audit_chain_head(core->audit, seq, hash) : -1;
}
