/* SPDX-License-Identifier: Apache-2.0 */
/*
 * manifest_internal.h — what manifest.c (verify, parse) and manifest_state.c
 * (the check against this installation, the last-applied-serial file) share
 * and manifest.h's callers need not see: a serial has the same bounds in a
 * manifest and in the state file, and both clear the message on success.
 */
#ifndef ONSHI_MANIFEST_INTERNAL_H
#define ONSHI_MANIFEST_INTERNAL_H

#include <stddef.h>

/* "9223372036854775807" (ONSHI_MANIFEST_SERIAL_MAX) has 19 digits. */
#define MANIFEST_SERIAL_DIGITS_MAX 19

/* An empty message for a caller's buffer (may be NULL or 0 long). */
static inline void manifest_clear_msg(char *msg, size_t msglen)
{
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
}

#endif
