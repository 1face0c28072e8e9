/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pin_tty.h — the PIN asked on a terminal (pin_source = prompt:/dev/TTY).
 */
#ifndef ONSHI_PCSC_PIN_TTY_H
#define ONSHI_PCSC_PIN_TTY_H

#include <stddef.h>

enum {
	PIN_TTY_OK = 0,
	PIN_TTY_TIMEOUT = -1,   /* nothing (complete) within timeout_ms */
	PIN_TTY_ERROR = -2,     /* the terminal cannot be used: why says */
	PIN_TTY_CANCELLED = -3, /* Esc, or cancelled(arg) became true */
};

/*
 * Write prompt on the terminal at path and collect digits until Enter,
 * echoing '*' for each. cancelled(arg), when given, is polled every 100 ms
 * (the plugin is stopping, the card was removed). The digits go to pin
 * (NUL-terminated, at most len - 1).
 */
int pcsc_pin_from_tty(const char *path, const char *prompt, long timeout_ms,
		      int (*cancelled)(void *), void *arg, char *pin,
		      size_t len, char *why, size_t whylen);

#endif
