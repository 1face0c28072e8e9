/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshictl_selftest.h — `onshictl selftest`'s output (onshictl_selftest.c).
 */
#ifndef ONSHI_CORE_ONSHICTL_SELFTEST_H
#define ONSHI_CORE_ONSHICTL_SELFTEST_H

/* onshictl's "malformed reply" exit status, returned for a bad line. */
#define ONSHICTL_SELFTEST_BADREPLY 4

/*
 * Print the SELFTEST reply's lines as text or (xml) as an
 * onshi-selftest.xsd document. Returns the exit status: 0 all OK, 1 a
 * WARN, 2 a FAIL, ONSHICTL_SELFTEST_BADREPLY for a line that is not a check.
 */
int onshictl_selftest_show(char **lines, long count, int xml);

#endif
