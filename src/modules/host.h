/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host.h — the services table plugins receive (struct onshi_host, host.c).
 * core.c hands it to the modules (onshi_modules_build), so that the module
 * layer does not call up into the services it offers.
 */
#ifndef ONSHI_CORE_HOST_H
#define ONSHI_CORE_HOST_H

#include <onshi/host.h>

/* The one table, the same for every instance. */
const struct onshi_host *onshi_host_table(void);

#endif
