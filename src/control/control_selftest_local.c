/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_selftest_local.c — SELFTEST's checks of this machine, made now
 * with onshid's own user and permissions: the configuration, each
 * institution's certificate, each reader's device link, each
 * receipt-computer adapter's folders, the spool's free disk. None of them
 * waits for the network (those are control_selftest_remote.c).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cert_status.h"
#include "control_selftest_internal.h"
#include "core.h"
#include "module.h"
#include "status_kv.h"

/* Certificates: the same window as the daemon's own expiry warning. */
#define CERT_WARN_DAYS 30
/* The spool's disk: below these the daemon soon cannot accept requests. */
#define SPOOL_WARN_BYTES (256ull * 1024 * 1024)
#define SPOOL_FAIL_BYTES (32ull * 1024 * 1024)

/* ---- config: what `onshid --check-config` says ---- */

void selftest_check_config(struct selftest *st)
{
	struct result *r = selftest_result_add(st, "config");
	struct onshi_diag diag = { 0 };

	onshi_core_check_config(st->core->config->path, &diag);
	if (diag.count)
		selftest_result_set(r, LEVEL_FAIL,
				    "run onshid --check-config for every problem, fix the file, then restart onshid",
				    "%s: %zu problem%s, first: %s",
				    st->core->config->path, diag.count,
				    diag.count == 1 ? "" : "s", diag.lines[0]);
	else
		selftest_result_set(r, LEVEL_OK, NULL, "%s checks",
				    st->core->config->path);
	onshi_diag_clear(&diag);
}

/* ---- certificates: the STATUS cert line, judged ---- */

void selftest_check_cert(struct selftest *st, const struct onshi_conf_section *inst)
{
	struct onshi_strbuf line = { 0 };
	struct onshi_kv f[24];
	char name[96];
	struct result *r;
	const char *state, *msg, *days;
	int n;

	snprintf(name, sizeof(name), "cert:%s", inst->name);
	r = selftest_result_add(st, name);
	onshi_cert_status_line(st->core, inst->name, &line);
	/* The STATUS line ends in a newline: not part of the last value. */
	if (line.len && line.data[line.len - 1] == '\n')
		line.data[--line.len] = '\0';
	n = line.data ? onshi_kv_parse(line.data, f, 24) : -1;
	if (n < 0) {
		selftest_result_set(r, LEVEL_FAIL, "see onshictl cert status",
				    "cannot check the certificate (out of memory?)");
		onshi_strbuf_free(&line);
		return;
	}
	state = onshi_kv_get(f, n, "state");
	msg = onshi_kv_get(f, n, "message");
	days = onshi_kv_get(f, n, "days_left");
	if (!state || strcmp(state, "error") == 0)
		selftest_result_set(r, LEVEL_FAIL,
				    "fix the files named in [national] / the [institution] section, or renew: onshictl cert csr, then onshictl cert install FILE",
				    "%s", msg ? msg : "certificate not usable");
	else if (days && strtol(days, NULL, 10) < CERT_WARN_DAYS)
		selftest_result_set(r, LEVEL_WARN,
				    "renew now: onshictl cert csr, have it signed, onshictl cert install FILE",
				    "%s days left (expires %s); serial %s",
				    days, onshi_kv_get(f, n, "not_after") ?: "-",
				    onshi_kv_get(f, n, "serial") ?: "-");
	else
		selftest_result_set(r, LEVEL_OK, NULL,
				    "code %s, %s days left (expires %s), matches its key",
				    onshi_kv_get(f, n, "code") ?: "-",
				    days ? days : "-",
				    onshi_kv_get(f, n, "not_after") ?: "-");
	onshi_strbuf_free(&line);
}

/* ---- readers: the plugin's own account of its device link ---- */

void selftest_check_reader(struct selftest *st, const struct onshi_module *m)
{
	struct result *r = selftest_result_add(st, m->name);
	const struct onshi_plugin *d = m->inst ? m->inst->plugin->desc : NULL;
	char text[256] = "";
	char advice[TEXT_LEN];

	if (m->state == ONSHI_MODULE_FAILED) {
		snprintf(advice, sizeof(advice),
			 "fix what the detail names, then onshictl plugin reload %s",
			 m->name);
		selftest_result_set(r, LEVEL_FAIL, advice, "failed: %s",
				    m->last_error);
		return;
	}
	if (m->state != ONSHI_MODULE_RUNNING || !d) {
		snprintf(advice, sizeof(advice),
			 "onshictl plugin enable %s, or remove its section if it is not used",
			 m->name);
		selftest_result_set(r, LEVEL_WARN, advice, "disabled: not checked");
		return;
	}
	if (d->ops->status && ONSHI_OPS_HAS(d->ops_size, status)) {
		d->ops->status(m->inst->state, text, sizeof(text));
		text[sizeof(text) - 1] = '\0';
	}
	/* Reader plugins say so in their status when the device is away. */
	if (strstr(text, "dead device") || strstr(text, "link down") ||
	    strstr(text, "connecting to") || strstr(text, "'(none)'") ||
	    strstr(text, "no device") || strncmp(text, "stopped", 7) == 0) {
		snprintf(advice, sizeof(advice),
			 "check the reader's cable, power and the device setting of [reader %s]",
			 m->section_name);
		selftest_result_set(r, LEVEL_FAIL, advice, "no device: %s", text);
		return;
	}
	selftest_result_set(r, LEVEL_OK, NULL, "%s", text[0] ? text : "running");
}

/* ---- receipt-computer folders: written and removed by onshid itself ---- */

/* Write and remove a probe file in dir; 0, or errno with what failed. */
static int probe_folder(const char *dir, const char **step)
{
	char path[4200];
	int fd, e;

	snprintf(path, sizeof(path), "%s/.onshi-selftest.%ld", dir, (long)getpid());
	*step = "create a file in";
	/* A dot file: the folder watchers skip dot files, nobody reads it. */
	/* Never through a link or over a file someone put there. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno;
	*step = "write a file in";
	e = write(fd, "onshi selftest\n", 15) == 15 ? 0 : (errno ? errno : EIO);
	if (close(fd) < 0 && !e)
		e = errno;
	*step = "remove a file from";
	if (unlink(path) < 0 && !e)
		e = errno;
	if (e)
		*step = "write a file in";
	return e;
}

void selftest_check_rececon(struct selftest *st, const struct onshi_module *m)
{
	const struct onshi_conf_section *sec =
		onshi_config_section(st->core->config, m->section_type,
				     m->section_name);
	char *dir = onshi_conf_section_path(st->core->config, sec, "dir");
	struct result *r = selftest_result_add(st, m->name);
	char advice[TEXT_LEN], failed[2048] = "";
	unsigned checked = 0, bad = 0;
	struct dirent *de;
	const char *step;
	DIR *d;
	int e;

	if (m->state == ONSHI_MODULE_FAILED)
		snprintf(failed, sizeof(failed), "failed: %s; ", m->last_error);
	if (!dir) {
		selftest_result_set(r, failed[0] ? LEVEL_FAIL : LEVEL_OK, NULL,
				    "%sno dir setting: no folders to check", failed);
		return;
	}
	e = probe_folder(dir, &step);
	if (e) {
		snprintf(advice, sizeof(advice),
			 "create %.400s and let onshid's user write there (chown/chmod, or the share's permissions)",
			 dir);
		selftest_result_set(r, LEVEL_FAIL, advice, "%sonshid cannot %s %s: %s",
				    failed, step, dir, strerror(e));
		free(dir);
		return;
	}
	checked++;
	/* The adapter's working folders (req/, res/, SEND/, ...) are the
	 * sub-folders of dir: each must be writable too. */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char sub[4100];
		struct stat sb;

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		/* Followed like the adapter follows it (a share may be a link). */
		if (stat(sub, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		checked++;
		e = probe_folder(sub, &step);
		if (e && !bad++) {
			snprintf(advice, sizeof(advice),
				 "let onshid's user write to %.400s (chown/chmod, or the share's permissions)",
				 sub);
			selftest_result_set(r, LEVEL_FAIL, advice,
					    "%sonshid cannot %s %s: %s", failed,
					    step, sub, strerror(e));
		}
	}
	if (d)
		closedir(d);
	if (!bad && failed[0]) {
		snprintf(advice, sizeof(advice),
			 "fix what the detail names, then onshictl plugin reload %s",
			 m->name);
		selftest_result_set(r, LEVEL_FAIL, advice, "%sfolders writable",
				    failed);
	} else if (!bad && m->state != ONSHI_MODULE_RUNNING) {
		snprintf(advice, sizeof(advice),
			 "onshictl plugin enable %s, or remove its section if it is not used",
			 m->name);
		selftest_result_set(r, LEVEL_WARN, advice,
				    "disabled; its %u folder%s under %s are writable",
				    checked, checked == 1 ? "" : "s", dir);
	} else if (!bad) {
		selftest_result_set(r, LEVEL_OK, NULL,
				    "%u folder%s under %s writable by onshid",
				    checked, checked == 1 ? "" : "s", dir);
	}
	free(dir);
}

/* ---- the spool's disk ---- */

void selftest_check_spool(struct selftest *st)
{
	const char *dir = st->core->settings.spool_dir;
	struct result *r = selftest_result_add(st, "spool-disk");
	unsigned long long avail;
	struct statvfs vfs;

	if (statvfs(dir, &vfs) < 0) {
		selftest_result_set(r, LEVEL_FAIL, "check [spool] dir",
				    "%s: %s", dir, strerror(errno));
		return;
	}
	avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (avail < SPOOL_FAIL_BYTES || (vfs.f_files && vfs.f_favail < 100))
		selftest_result_set(r, LEVEL_FAIL,
				    "free space on that disk now: requests cannot be kept",
				    "%s: %llu MiB free, %llu files left", dir,
				    avail >> 20, (unsigned long long)vfs.f_favail);
	else if (avail < SPOOL_WARN_BYTES)
		selftest_result_set(r, LEVEL_WARN,
				    "free space on that disk soon (old logs, backups)",
				    "%s: only %llu MiB free (warning under %llu MiB)",
				    dir, avail >> 20, SPOOL_WARN_BYTES >> 20);
	else
		selftest_result_set(r, LEVEL_OK, NULL, "%s: %llu MiB free", dir,
				    avail >> 20);
}
