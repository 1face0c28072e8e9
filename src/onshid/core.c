/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core.c — building, starting, running and tearing down the core context.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "check_config.h"
#include "control.h"
#include "core.h"
#include "loader.h"
#include "host.h"
#include "notify.h"
#include "path_watch.h"
#include "inquiry.h"
#include "maintenance.h"
#include "status.h"
#include "module.h"

/*
 * A core file would hold patient data and the clinic's private key, and
 * could be read by whoever reads the crash folder: none is written (limit
 * 0), and the process is not dumpable (no core, no ptrace by the same
 * uid, /proc/PID owned by root).
 */
static void no_core_dumps(struct onshi_core *core)
{
	struct rlimit none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "cannot turn core files off (RLIMIT_CORE): %s",
			   strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "cannot make the process non-dumpable: %s",
			   strerror(errno));
}

/* The control socket's commands, in the order HELP lists them. */
static int add_control_commands(struct onshi_core *core)
{
	static const struct onshi_control_command *const tables[] = {
		onshi_control_cmds,
		onshi_control_verify_cmds,
		onshi_control_cert_cmds,
		onshi_control_batch_cmds,
		onshi_control_maintenance_cmds,
		onshi_control_audit_cmds,
		onshi_control_selftest_cmds,
	};
	int rc = onshi_control_commands_new(core, &core->control_commands);

	for (size_t i = 0;
	     rc == ONSHI_OK && i < sizeof(tables) / sizeof(*tables); i++)
		rc = onshi_control_commands_add(core->control_commands, tables[i]);
	return rc;
}

int onshi_core_open(const char *path, int log_stderr, struct onshi_core **out,
		    struct onshi_diag *diag)
{
	struct onshi_core *core = calloc(1, sizeof(*core));
	int rc;

	*out = NULL;
	if (!core)
		return ONSHI_ENOMEM;
	core->signal_fd = -1;
	rc = onshi_config_load_checked(path, 0, &core->config, &core->settings, diag);
	if (rc != ONSHI_OK) {
		free(core);
		return rc;
	}
	/* A detached daemon has no stderr: syslog unless told otherwise. */
	onshi_log_init(&core->log, core->settings.log_level,
		       !log_stderr && core->settings.log_syslog != 0
			       ? ONSHI_LOG_SYSLOG
			       : ONSHI_LOG_STDERR);
	/* Before any key, certificate or request is loaded. */
	if (!core->settings.allow_core_dumps)
		no_core_dumps(core);
	else
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "[daemon] allow_core_dumps = yes: a crash may write patient data and the clinic's private key to a core file (development only)");
	rc = onshi_loop_new(&core->loop);
	if (rc == ONSHI_OK)
		rc = onshi_loader_new(core->settings.plugin_dirs,
				      core->settings.allow_unsafe_plugin_dir,
				      &core->loader);
	if (rc == ONSHI_OK && core->settings.plugin_trust_key)
		rc = onshi_loader_require_signature(core->loader,
						    core->settings.plugin_trust_key);
	if (rc == ONSHI_OK)
		rc = onshi_modules_build(core, onshi_host_table());
	if (rc == ONSHI_OK)
		rc = add_control_commands(core);
	if (rc == ONSHI_OK)
		rc = onshi_core_status_register(core);
	if (rc != ONSHI_OK) {
		onshi_diag_add(diag, NULL, 0, "cannot set up the core: %s",
			       onshi_strerror(rc));
		onshi_core_close(core);
		return rc;
	}
	if (core->settings.plugin_trust_key)
		onshi_logf(&core->log, ONSHI_LOG_INFO,
			   "[plugins] require_signature = yes: plugins need a .sig by %s",
			   core->settings.plugin_trust_key);
	if (core->settings.allow_unsafe_plugin_dir)
		onshi_logf(&core->log, ONSHI_LOG_WARNING,
			   "[plugins] allow_unsafe_dir = yes: plugin directory ownership is not checked (development only)");
	*out = core;
	return ONSHI_OK;
}

static void on_signal(int fd, unsigned events, void *arg)
{
	struct onshi_core *core = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		onshi_logf(&core->log, ONSHI_LOG_NOTICE, "received %s: shutting down",
			   si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
		onshi_loop_quit(core->loop);
	}
}

static int setup_signals(struct onshi_core *core)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN); /* peers that hang up are handled per call */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked in every thread started later: only signalfd sees them. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return ONSHI_EIO;
	core->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (core->signal_fd < 0)
		return ONSHI_EIO;
	core->signal_watch = onshi_loop_watch(core->loop, core, core->signal_fd,
					      ONSHI_FD_READ, on_signal, core);
	return core->signal_watch ? ONSHI_OK : ONSHI_EIO;
}

int onshi_core_start(struct onshi_core *core)
{
	char msg[1024];
	int rc;

	core->started_at = time(NULL);
	rc = setup_signals(core);
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_ERR,
			   "cannot set up signal handling: %s", strerror(errno));
		return rc;
	}
	rc = onshi_inquiry_open(core, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s", msg);
		return rc;
	}
	rc = onshi_maintenance_open(core, &core->maintenance, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s", msg);
		return rc;
	}
	if (core->maintenance)
		onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	rc = onshi_control_open(core, onshi_control_dispatch, core->control_commands,
				&core->control, msg, sizeof(msg));
	if (rc != ONSHI_OK) {
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s", msg);
		return rc;
	}
	/* The front-desk page is optional: without it onshid still serves. */
	rc = onshi_status_page_open(core, msg, sizeof(msg));
	if (rc != ONSHI_OK)
		onshi_logf(&core->log, ONSHI_LOG_ERR, "%s; running without it", msg);
	else if (msg[0])
		onshi_logf(&core->log, ONSHI_LOG_NOTICE, "%s", msg);
	onshi_modules_start_all(core);
	onshi_logf(&core->log, ONSHI_LOG_NOTICE,
		   "onshid %s ready (plugin ABI %d.%d), control socket %s",
		   PACKAGE_VERSION, ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR,
		   core->settings.control_socket);
	/* Only now: systemd starts units ordered after us on READY=1. */
	rc = onshi_notify_ready(core, msg, sizeof(msg));
	if (rc != ONSHI_OK)
		onshi_logf(&core->log, ONSHI_LOG_WARNING, "%s", msg);
	else if (*msg)
		onshi_logf(&core->log, ONSHI_LOG_INFO, "%s", msg);
	return ONSHI_OK;
}

int onshi_core_run(struct onshi_core *core)
{
	int rc = onshi_loop_run(core->loop);

	if (rc != ONSHI_OK)
		onshi_logf(&core->log, ONSHI_LOG_ERR, "event loop failed: %s",
			   strerror(errno));
	return rc;
}

void onshi_core_close(struct onshi_core *core)
{
	if (!core)
		return;
	onshi_notify_stopping(core);
	/* A poll in flight would switch modules: stop it first. */
	onshi_maintenance_close(core->maintenance);
	core->maintenance = NULL;
	/* Modules first: they may still have work on the loop. */
	if (core->loop)
		onshi_modules_free(core);
	onshi_status_page_close(core);
	onshi_control_close(core->control);
	onshi_control_commands_free(core->control_commands);
	onshi_inquiry_close(core);
	/* Every instance is gone: no subscription is left on it. */
	onshi_path_watches_free(core->path_watches);
	core->path_watches = NULL;
	if (core->signal_watch)
		onshi_loop_unwatch(core->loop, core->signal_watch);
	if (core->signal_fd >= 0)
		close(core->signal_fd);
	onshi_loader_free(core->loader);
	onshi_loop_free(core->loop);
	onshi_settings_free(&core->settings);
	onshi_config_free(core->config);
	onshi_status_registry_free(&core->status);
	if (core->started_at)
		onshi_logf(&core->log, ONSHI_LOG_NOTICE, "onshid stopped");
	onshi_log_close(&core->log);
	free(core);
}
