/* SPDX-License-Identifier: Apache-2.0 */
/*
 * panasonic_link.h — the modeled panasonic device link codec (docs/readers/panasonic.md),
 * shared by the panasonic reader plugin and tools/reader-emu.
 */
#ifndef ONSHI_PANASONIC_LINK_H
#define ONSHI_PANASONIC_LINK_H

#include "frlink.h"

extern const struct fr_link_ops panasonic_link;

#endif
