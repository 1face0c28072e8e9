/* SPDX-License-Identifier: Apache-2.0 */
/*
 * canon_link.h — the modeled canon device link codec (docs/readers/canon.md),
 * shared by the canon reader plugin and tools/reader-emu.
 */
#ifndef ONSHI_CANON_LINK_H
#define ONSHI_CANON_LINK_H

#include "frlink.h"

extern const struct fr_link_ops canon_link;

#endif
