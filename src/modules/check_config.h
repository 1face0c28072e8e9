/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_config.h — loading a configuration with every check the daemon
 * makes, and the complete check of onshid --check-config and SELFTEST
 * (onshi_core_check_config, declared in core.h).
 */
#ifndef ONSHI_CORE_CHECK_CONFIG_H
#define ONSHI_CORE_CHECK_CONFIG_H

#include "conf.h"
#include "conf_schema.h"
#include "diag.h"

/*
 * Load and check; on success *cfg_out and *settings are set. With
 * `with_plugins` the module sections are checked against their plugins too;
 * the daemon itself does not, so that one broken plugin leaves its module
 * failed (shown in status) instead of keeping the whole front desk down.
 */
int onshi_config_load_checked(const char *path, int with_plugins,
			      struct onshi_config **cfg_out,
			      struct onshi_settings *settings,
			      struct onshi_diag *diag);

#endif
