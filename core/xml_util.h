/*
 * xml_util.h — reading one child element's text out of a small document
 * from the national service (AuthResponse, ChallengeResponse), with the
 * same hardening as the codec: no network, no DTD.
 */
#ifndef ONSHI_CORE_XML_UTIL_H
#define ONSHI_CORE_XML_UTIL_H

#include <stddef.h>

/* The text of the root's first child element `name` (malloc'd), or NULL. */
char *onshi_xml_child_text(const char *buf, size_t len, const char *name);

#endif
