/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_files.h — `onshid --check-config`: the files the configuration
 * points at exist, are readable and parse (check_files.c).
 */
#ifndef ONSHI_CORE_CHECK_FILES_H
#define ONSHI_CORE_CHECK_FILES_H

#include "conf.h"
#include "diag.h"

/* Add a "file:line: reason" to diag for each file that would fail. */
void onshi_check_config_files(const struct onshi_config *cfg,
			      struct onshi_diag *diag);

#endif
