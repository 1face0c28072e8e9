/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_legacy.h — reading a spool written before spool.log (one file per
 * record), so that an upgrade keeps what was waiting.
 */
#ifndef ONSHI_SPOOL_LEGACY_H
#define ONSHI_SPOOL_LEGACY_H

#include "spool_log.h"

/*
 * Give every `<seq>.req` of the folder (in sequence order) to visit as a
 * request record, followed by its `<seq>.ans` as an answer record; damaged
 * files are moved aside to `*.corrupt` and counted in *corrupt;
 * half-written temporary files are removed. *found: record files seen.
 */
int spool_legacy_read(int dirfd, spool_log_visit_cb visit, void *arg,
		      unsigned *corrupt, unsigned *found);

/* Remove the record files, once what they held is durable elsewhere. */
void spool_legacy_remove(int dirfd);

#endif
