/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acme_link.h — the device link of the (imaginary) Acme face-auth reader,
 * the codec of tests/sdk/reader: one text line per message,
 *
 *     device → host   CARD TOKEN METHOD C1,C2,C3,C4 OPERATOR|- CERT
 *                     REMOVED
 *                     ATTEST SIGNATURE DEVICE-CERT
 *                     ERROR CODE TEXT
 *     host → device   NONCE NONCE
 *                     RESULT CODE TEXT
 *
 * words separated by one space, certificates and signatures in base64
 * (DER), consents 0-3 or - (absent), each line ended by LF. The same codec
 * serves the plugin (acme.c, through the onshi face-reader skeleton) and
 * the device emulator (acme-emu.c).
 */
#ifndef ACME_LINK_H
#define ACME_LINK_H

#include <onshi/frlink.h>

extern const struct fr_link_ops acme_link;

#endif
