# SPDX-License-Identifier: Apache-2.0
# libonshi-util: text buffers, messages, whole-file reading, atomic files,
# UTC time, masking, private paths, key-value lines and escaping. Nothing
# here knows the daemon; onshictl, the plugins and the tools use it too.
noinst_LTLIBRARIES += src/util/libonshi-util.la
src_util_libonshi_util_la_SOURCES = \
	src/util/atomic_file.c src/util/atomic_file.h \
	src/util/mask.c src/util/mask.h \
	src/util/msg.c src/util/msg.h \
	src/util/private_path.c src/util/private_path.h \
	src/util/read_file.c src/util/read_file.h \
	src/util/status_escape.c src/util/status_escape.h \
	src/util/status_kv.c src/util/status_kv.h \
	src/util/strbuf.c src/util/strbuf.h \
	src/util/utc.c src/util/utc.h
