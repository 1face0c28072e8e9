/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshi/error.h — the error codes shared by the core, the SDK and plugins.
 *
 * Every fallible onshi function returns one of these (0 on success, a
 * negative ONSHI_E* otherwise) and, where it has one, fills a caller-supplied
 * message buffer with a sentence an operator can act on. The numbers are part
 * of the plugin ABI: append new codes, never renumber.
 */
#ifndef ONSHI_ERROR_H
#define ONSHI_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum onshi_err {
	ONSHI_OK = 0,
	ONSHI_EINVAL = -1,    /* malformed input or argument */
	ONSHI_ENOMEM = -2,    /* out of memory */
	ONSHI_EIO = -3,       /* a system call failed (errno tells more) */
	ONSHI_ENOTFOUND = -4, /* no such file, module, person, key */
	ONSHI_EEXIST = -5,    /* already there (duplicate name, running) */
	ONSHI_EPERM = -6,     /* refused for a security reason */
	ONSHI_ETOOBIG = -7,   /* input over a size limit */
	ONSHI_EENCODING = -8, /* bytes not valid in the declared encoding */
	ONSHI_EPROTO = -9,    /* peer broke the protocol (bad frame, bad XML) */
	ONSHI_ETIMEOUT = -10, /* deadline passed */
	ONSHI_EUNAVAIL = -11, /* temporarily unavailable: retry later */
	ONSHI_EABI = -12,     /* plugin/host ABI mismatch */
	ONSHI_ESTATE = -13,   /* not allowed in the current state */
	ONSHI_ECRYPTO = -14,  /* certificate/signature check failed */
	ONSHI_EINCOMPLETE = -15, /* input not complete yet: look again later */
};

/* A short English name for an error code. Inline so that plugins, which
 * link no core symbols, can use it too. */
static inline const char *onshi_strerror(int err)
{
	switch (err) {
	case ONSHI_OK: return "success";
	case ONSHI_EINVAL: return "invalid input";
	case ONSHI_ENOMEM: return "out of memory";
	case ONSHI_EIO: return "I/O error";
	case ONSHI_ENOTFOUND: return "not found";
	case ONSHI_EEXIST: return "already exists";
	case ONSHI_EPERM: return "not permitted";
	case ONSHI_ETOOBIG: return "too large";
	case ONSHI_EENCODING: return "bad character encoding";
	case ONSHI_EPROTO: return "protocol error";
	case ONSHI_ETIMEOUT: return "timed out";
	case ONSHI_EUNAVAIL: return "temporarily unavailable";
	case ONSHI_EABI: return "ABI mismatch";
	case ONSHI_ESTATE: return "wrong state";
	case ONSHI_ECRYPTO: return "certificate or signature check failed";
	case ONSHI_EINCOMPLETE: return "not complete yet";
	default: return "unknown error";
	}
}

#ifdef __cplusplus
}
#endif
#endif /* ONSHI_ERROR_H */
