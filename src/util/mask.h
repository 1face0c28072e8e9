/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask.h — personal data out of log lines and error messages.
 *
 * Logs go to syslog and support tickets; the people in them must not. A
 * value that may be an insured number, symbol, birth date or My Number
 * card serial is shown as its first and last two characters (enough to
 * tell two requests apart), a name as "*". Insurer numbers identify an
 * insurer, not a person, and are shown in full.
 */
#ifndef ONSHI_CORE_MASK_H
#define ONSHI_CORE_MASK_H

#include <stddef.h>

/*
 * "12345678" → "12****78": the first and last two characters kept, each
 * one between as '*' (at most 8 of them, so long values do not say their
 * length); values of 5 characters or fewer become all '*' ("*" if
 * empty). Multibyte UTF-8 characters count as one. dst always ends in
 * NUL; it is cut to fit.
 */
void onshi_mask_number(char *dst, size_t dstlen, const char *value);

/* A name: always "*". */
void onshi_mask_name(char *dst, size_t dstlen, const char *value);

/*
 * The value of XmlMsg element `element` as a log may show it: names,
 * addresses and what a patient takes or was told (DrugName, Usage,
 * MessageContents, ...) as "*"; every other value (numbers, dates,
 * ReferenceNumber, DrugCode) as onshi_mask_number() shows it.
 */
void onshi_mask_element(char *dst, size_t dstlen, const char *element,
			const char *value);

#endif
