/* SPDX-License-Identifier: Apache-2.0 */
/*
 * almex_link.h — the modeled almex device link codec (docs/readers/almex.md),
 * shared by the almex reader plugin and tools/reader-emu.
 */
#ifndef ONSHI_ALMEX_LINK_H
#define ONSHI_ALMEX_LINK_H

#include "frlink.h"

extern const struct fr_link_ops almex_link;

#endif
