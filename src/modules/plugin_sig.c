/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugin_sig.c — checking a plugin file against its detached raw Ed25519
 * signature (X.so.sig) with the maintenance trust key. See plugin_sig.h.
 *
 * The whole plugin is read into memory because Ed25519 signs the message
 * itself, not a digest of it; the size is bounded before anything is read.
 * Every failure says which file and what to do, since the operator sees
 * only the loader's refusal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onshi/error.h>

#include "ed25519_verify.h"
#include "msg.h"
#include "plugin_sig.h"
#include "read_file.h"

/*
 * Read all of path (at most max bytes) into a malloc'd buffer. what names
 * the file in messages; missing_hint is appended when it does not exist.
 */
static int read_whole(const char *path, size_t max, const char *what,
		      const char *missing_hint, unsigned char **data,
		      size_t *len, char *msg, size_t msglen)
{
	struct onshi_read_fail fail;
	char *buf;
	int rc;

	*data = NULL;
	*len = 0;
	rc = onshi_read_file(AT_FDCWD, path, max, ONSHI_READ_REGULAR, &buf, len,
			     &fail);
	switch (rc) {
	case ONSHI_OK: break;
	case ONSHI_ENOTFOUND:
		if (fail.err == ENOENT) {
			onshi_set_msg(msg, msglen, "%s %s does not exist%s",
				      what, path, missing_hint);
			return ONSHI_ENOTFOUND;
		}
		/* fall through */
	case ONSHI_EIO:
		onshi_set_msg(msg, msglen, "cannot read %s %s: %s", what, path,
			      strerror(fail.err));
		return ONSHI_EIO;
	case ONSHI_EINVAL:
		onshi_set_msg(msg, msglen, "cannot read %s %s: not a regular file",
			      what, path);
		return ONSHI_EIO;
	case ONSHI_ETOOBIG:
		onshi_set_msg(msg, msglen,
			      "%s %s is %lld bytes, over the limit of %zu",
			      what, path, fail.size, max);
		return ONSHI_ETOOBIG;
	default:
		onshi_set_msg(msg, msglen, "out of memory reading %s %s", what, path);
		return ONSHI_ENOMEM;
	}
	/* What is signed is what fstat saw: a file that changed is refused. */
	if ((long long)*len != fail.size) {
		free(buf);
		*len = 0;
		onshi_set_msg(msg, msglen, "%s %s changed while it was being read",
			      what, path);
		return ONSHI_EIO;
	}
	*data = (unsigned char *)buf;
	return ONSHI_OK;
}

int onshi_plugin_sig_check(const char *so_path, const char *trust_key_pem_path,
			   char *msg, size_t msglen)
{
	unsigned char *so = NULL, *sig = NULL;
	size_t so_len, sig_len;
	char *sig_path = NULL, *what = NULL, hint[600];
	int rc;

	if (so_path == NULL || trust_key_pem_path == NULL) {
		onshi_set_msg(msg, msglen,
			      "plugin signature check called without a path");
		return ONSHI_EINVAL;
	}
	if (asprintf(&sig_path, "%s.sig", so_path) < 0)
		sig_path = NULL;
	if (asprintf(&what, "plugin %s", so_path) < 0)
		what = NULL;
	if (sig_path == NULL || what == NULL) {
		rc = ONSHI_ENOMEM;
		onshi_set_msg(msg, msglen, "out of memory checking plugin %s",
			      so_path);
		goto done;
	}
	rc = read_whole(so_path, ONSHI_PLUGIN_MAX_BYTES, "plugin", "", &so,
			&so_len, msg, msglen);
	if (rc != ONSHI_OK)
		goto done;
	snprintf(hint, sizeof(hint),
		 ": the plugin is unsigned and "
		 "require_signature = yes; sign it with `openssl pkeyutl -sign "
		 "-rawin -inkey maint.key -in %.200s -out %.200s.sig`",
		 so_path, so_path);
	/* A signature is 64 bytes; anything much bigger is not one. */
	rc = read_whole(sig_path, 4096, "signature file", hint, &sig, &sig_len,
			msg, msglen);
	if (rc == ONSHI_ETOOBIG)
		rc = ONSHI_ECRYPTO;
	if (rc != ONSHI_OK)
		goto done;
	rc = onshi_ed25519_verify(trust_key_pem_path, so, so_len, sig, sig_len,
				  what, msg, msglen);
done:
	free(so);
	free(sig);
	free(sig_path);
	free(what);
	return rc;
}
