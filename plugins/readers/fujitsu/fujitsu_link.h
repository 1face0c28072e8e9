/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fujitsu_link.h — the modeled fujitsu device link codec (docs/readers/fujitsu.md),
 * shared by the fujitsu reader plugin and tools/reader-emu.
 */
#ifndef ONSHI_FUJITSU_LINK_H
#define ONSHI_FUJITSU_LINK_H

#include "frlink.h"

extern const struct fr_link_ops fujitsu_link;

#endif
