/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask.c — masking personal data for logs (mask.h).
 */
#include "config.h"

#include <string.h>

#include "mask.h"

/* Bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t char_len(const unsigned char *s)
{
	size_t n = *s < 0x80    ? 1
		   : *s >= 0xF0 ? 4
		   : *s >= 0xE0 ? 3
		   : *s >= 0xC0 ? 2
				: 1;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

/* Append n bytes if they fit (with room for the NUL). */
static void put(char *dst, size_t dstlen, size_t *o, const char *p, size_t n)
{
	if (*o + n + 1 > dstlen)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		/* Keep the result printable: control bytes become '?'. */
		dst[(*o)++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
	}
}

void onshi_mask_number(char *dst, size_t dstlen, const char *value)
{
	const unsigned char *s = (const unsigned char *)(value ? value : "");
	size_t nchars = 0, o = 0, i = 0, k = 0;

	if (!dstlen)
		return;
	for (const unsigned char *p = s; *p; p += char_len(p))
		nchars++;
	if (nchars <= 5) {
		for (k = 0; k < (nchars ? nchars : 1); k++)
			put(dst, dstlen, &o, "*", 1);
		dst[o] = '\0';
		return;
	}
	for (k = 0; s[i]; k++) {
		size_t n = char_len(s + i);

		if (k < 2 || k >= nchars - 2)
			put(dst, dstlen, &o, (const char *)s + i, n);
		else if (k < 2 + 8)
			put(dst, dstlen, &o, "*", 1);
		i += n;
	}
	dst[o] = '\0';
}

void onshi_mask_name(char *dst, size_t dstlen, const char *value)
{
	(void)value;
	if (dstlen >= 2)
		memcpy(dst, "*", 2);
	else if (dstlen)
		dst[0] = '\0';
}

/* Elements whose whole text is personal: never shown, not even its ends. */
static const char *const text_elements[] = {
	"Name",
	"NameKana",
	"NameOfOther",
	"NameOfOtherKana",
	"InsuredName",
	"Address",
	"DrugName",
	"Usage",
	"PrescribingInstitutionName",
	"DispensingPharmacyName",
	"ExaminationInstitutionName",
	"MessageContents",
};

void onshi_mask_element(char *dst, size_t dstlen, const char *element,
			const char *value)
{
	for (size_t i = 0; i < sizeof(text_elements) / sizeof(text_elements[0]); i++)
		if (element && strcmp(element, text_elements[i]) == 0) {
			onshi_mask_name(dst, dstlen, value);
			return;
		}
	onshi_mask_number(dst, dstlen, value);
}
