/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshid — the onshi daemon.
 *
 *   onshid -c FILE [-f]        run (in the foreground with -f)
 *   onshid -c FILE --check-config
 *                              check the configuration and exit 0, or 1
 *                              after printing every problem as file:line
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#ifndef ONSHI_SYSCONFDIR
#define ONSHI_SYSCONFDIR "/etc/onshi"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"usage: onshid [-c FILE] [-f] [--check-config]\n"
		"  -c, --config FILE   configuration (default %s/onshid.ini)\n"
		"  -f, --foreground    stay in the foreground, log to stderr\n"
		"      --check-config  check the configuration and exit\n"
		"  -V, --version       print the version and exit\n",
		ONSHI_SYSCONFDIR);
}

/* Classic daemon(3) without its chdir surprise for relative paths: the
 * configuration has been read with absolute paths by now. */
static int detach(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	pid = fork(); /* never reacquire a controlling terminal */
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = ONSHI_SYSCONFDIR "/onshid.ini";
	struct onshi_diag diag = { 0 };
	struct onshi_core *core;
	int foreground = 0, check_only = 0, c, rc;

	while ((c = getopt_long(argc, argv, "c:fVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': foreground = 1; break;
		case 'C': check_only = 1; break;
		case 'V':
			printf("onshid %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
			       ONSHI_ABI_MAJOR, ONSHI_ABI_MINOR);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check_only) {
		rc = onshi_core_check_config(config, &diag);
		onshi_diag_print(&diag, stderr);
		if (rc == ONSHI_OK && !diag.count)
			printf("%s: configuration OK\n", config);
		else if (!diag.count)
			fprintf(stderr, "%s: %s\n", config, onshi_strerror(rc));
		onshi_diag_clear(&diag);
		return rc == ONSHI_OK ? 0 : 1;
	}
	rc = onshi_core_open(config, foreground, &core, &diag);
	if (rc != ONSHI_OK) {
		onshi_diag_print(&diag, stderr);
		if (!diag.count)
			fprintf(stderr, "%s: %s\n", config, onshi_strerror(rc));
		fprintf(stderr,
			"onshid: not started: fix the configuration (onshid -c %s --check-config)\n",
			config);
		onshi_diag_clear(&diag);
		return 1;
	}
	if (!foreground && detach() < 0) {
		perror("onshid: cannot detach");
		onshi_core_close(core);
		return 1;
	}
	rc = onshi_core_start(core);
	if (rc == ONSHI_OK)
		rc = onshi_core_run(core);
	onshi_core_close(core);
	return rc == ONSHI_OK ? 0 : 1;
}
