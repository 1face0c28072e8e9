/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf.c — reading onshid.ini and its onshid.d/ drop-ins with inih.
 *
 * inih does the INI syntax; we feed it through our own line reader so that
 * we know the line number of every key (Debian's inih is built without
 * INI_HANDLER_LINENO) and can refuse lines longer than inih's buffer instead
 * of letting them be split silently.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onshi/error.h>

#include "conf.h"
#include "read_file.h"

/* A whole config file is small; bigger is a mistake or an attack. */
#define CONFIG_MAX_BYTES (1024 * 1024)

struct reader_state {
	const char *buf;
	size_t len, pos;
	int line;         /* number of the line last handed to inih */
	int header_line;  /* line of the last [section] header seen */
	int indented;     /* the current line starts with blanks */
	char header[256]; /* text of the section the last key was in */
	struct onshi_config *cfg;
	struct onshi_diag *diag;
	const char *file;
	struct onshi_conf_section *current;
	int oom;
};

/* ini_reader: hands inih one line at a time, counting lines. */
static char *read_line(char *str, int num, void *stream)
{
	struct reader_state *st = stream;
	size_t start = st->pos, end, n;

	if (st->pos >= st->len)
		return NULL;
	end = start;
	while (end < st->len && st->buf[end] != '\n')
		end++;
	st->pos = end < st->len ? end + 1 : end;
	st->line++;
	n = end - start;
	{
		size_t i = start;

		while (i < end && isspace((unsigned char)st->buf[i]))
			i++;
		if (i < end && st->buf[i] == '[')
			st->header_line = st->line;
		st->indented = i > start && i < end;
	}
	if (n > 0 && st->buf[start + n - 1] == '\r')
		n--; /* CRLF files from Windows editors */
	if (n + 2 > (size_t)num) {
		onshi_diag_add(st->diag, st->file, st->line,
			       "line longer than %d characters", num - 2);
		n = 0; /* hand inih an empty line: the error is reported */
	}
	memcpy(str, st->buf + start, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static struct onshi_conf_section *find_section(struct onshi_config *cfg,
					       const char *type, const char *name)
{
	for (size_t i = 0; i < cfg->nsections; i++) {
		struct onshi_conf_section *s = &cfg->sections[i];

		if (strcmp(s->type, type) != 0)
			continue;
		if ((!name && !s->name) ||
		    (name && s->name && strcmp(name, s->name) == 0))
			return s;
	}
	return NULL;
}

/* Split "reader front-desk" into type and name; "national" has no name. */
static struct onshi_conf_section *open_section(struct reader_state *st,
					       const char *header)
{
	struct onshi_config *cfg = st->cfg;
	char type[128], name[128];
	const char *sp = strchr(header, ' ');
	struct onshi_conf_section *s;

	if (strlen(header) >= sizeof(type)) {
		onshi_diag_add(st->diag, st->file, st->line, "section name too long");
		return NULL;
	}
	if (sp) {
		size_t tl = (size_t)(sp - header);

		memcpy(type, header, tl);
		type[tl] = '\0';
		while (*sp == ' ' || *sp == '\t')
			sp++;
		snprintf(name, sizeof(name), "%s", sp);
	} else {
		snprintf(type, sizeof(type), "%s", header);
		name[0] = '\0';
	}
	if (!type[0] || (sp && !name[0])) {
		onshi_diag_add(st->diag, st->file, st->line,
			       "malformed section header [%s]", header);
		return NULL;
	}
	s = find_section(cfg, type, name[0] ? name : NULL);
	if (s)
		return s; /* a drop-in adding to or overriding a section */
	if (cfg->nsections == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 16;
		struct onshi_conf_section *ns = realloc(cfg->sections,
							cap * sizeof(*ns));

		if (!ns)
			goto oom;
		cfg->sections = ns;
		cfg->cap = cap;
	}
	s = &cfg->sections[cfg->nsections];
	memset(s, 0, sizeof(*s));
	s->type = strdup(type);
	s->name = name[0] ? strdup(name) : NULL;
	if (!s->type || (name[0] && !s->name)) {
		free(s->type);
		free(s->name);
		goto oom;
	}
	s->file = st->file;
	s->line = st->header_line ? st->header_line : st->line;
	cfg->nsections++;
	return s;
oom:
	st->oom = 1;
	return NULL;
}

static int set_entry(struct reader_state *st, struct onshi_conf_section *s,
		     const char *key, const char *value)
{
	struct onshi_conf_entry *e = NULL;
	char *v;

	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			e = &s->entries[i];
	/* An indented line continues the value above it (inih hands it to
	 * us under the same key): the pieces are joined as written, so a
	 * long list can be split after a separator ("a:b:" then "c"). */
	if (e && st->indented && e->file == st->file && e->line < st->line) {
		size_t a = strlen(e->value), b = strlen(value);

		v = realloc(e->value, a + b + 1);
		if (!v)
			return -1;
		memcpy(v + a, value, b + 1);
		e->value = v;
		return 0;
	}
	v = strdup(value);
	if (!v)
		return -1;
	if (e) { /* later key wins: drop-ins override */
		free(e->value);
		e->value = v;
		e->file = st->file;
		e->line = st->line;
		return 0;
	}
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct onshi_conf_entry *ne = realloc(s->entries, cap * sizeof(*ne));

		if (!ne) {
			free(v);
			return -1;
		}
		s->entries = ne;
		s->cap = cap;
	}
	e = &s->entries[s->count];
	e->key = strdup(key);
	if (!e->key) {
		free(v);
		return -1;
	}
	e->value = v;
	e->file = st->file;
	e->line = st->line;
	s->count++;
	return 0;
}

/* ini_handler: called once per key (section/name are inih's buffers). */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct reader_state *st = user;

	if (!section[0]) {
		onshi_diag_add(st->diag, st->file, st->line,
			       "key '%s' outside any section", key);
		return 1;
	}
	/* inih hands us the header text with every key: open the section
	 * only when it changes. */
	if (strcmp(section, st->header) != 0) {
		/* A plain bounded copy: GCC's -fsanitize=address build warns
		 * (wrongly) that a "%s" of section may be null. */
		size_t n = strlen(section);

		if (n >= sizeof(st->header))
			n = sizeof(st->header) - 1;
		memcpy(st->header, section, n);
		st->header[n] = '\0';
		st->current = open_section(st, section);
	}
	if (!st->current)
		return st->oom ? 0 : 1;
	if (set_entry(st, st->current, key, value) < 0) {
		st->oom = 1;
		return 0;
	}
	return 1;
}

static int read_file(const char *path, char **buf, size_t *len,
		     struct onshi_diag *diag)
{
	struct onshi_read_fail fail;
	int rc;

	rc = onshi_read_file(AT_FDCWD, path, CONFIG_MAX_BYTES, 0, buf, len, &fail);
	switch (rc) {
	case ONSHI_OK: break;
	case ONSHI_ENOMEM: return rc;
	case ONSHI_ETOOBIG:
		onshi_diag_add(diag, path, 0, "larger than %d bytes",
			       CONFIG_MAX_BYTES);
		return rc;
	default:
		if (fail.at_open) {
			onshi_diag_add(diag, path, 0, "cannot open: %s",
				       strerror(fail.err));
			return ONSHI_ENOTFOUND;
		}
		onshi_diag_add(diag, path, 0, "read error: %s", strerror(fail.err));
		return ONSHI_EIO;
	}
	if (memchr(*buf, '\0', *len)) {
		onshi_diag_add(diag, path, 0, "contains a NUL byte: not a text file");
		free(*buf);
		*buf = NULL;
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

static int parse_one(struct onshi_config *cfg, const char *path,
		     struct onshi_diag *diag)
{
	struct reader_state st = { 0 };
	char *buf = NULL, *copy, **files;
	size_t len;
	int rc, bad_line;

	rc = read_file(path, &buf, &len, diag);
	if (rc != ONSHI_OK)
		return rc;
	copy = strdup(path);
	files = realloc(cfg->files, (cfg->nfiles + 1) * sizeof(*files));
	if (!copy || !files) {
		free(copy);
		if (files)
			cfg->files = files;
		free(buf);
		return ONSHI_ENOMEM;
	}
	cfg->files = files;
	cfg->files[cfg->nfiles++] = copy;

	st.buf = buf;
	st.len = len;
	st.cfg = cfg;
	st.diag = diag;
	st.file = copy;
	bad_line = ini_parse_stream(read_line, &st, on_key, &st);
	free(buf);
	if (st.oom)
		return ONSHI_ENOMEM;
	/* inih reports only the first syntax error line; that one we name. */
	if (bad_line > 0)
		onshi_diag_add(diag, copy, bad_line,
			       "syntax error (expected [section] or key = value)");
	return ONSHI_OK;
}

static int is_ini_name(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && name[0] != '.' && strcmp(name + n - 4, ".ini") == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.ini files of onshid.d beside the main file, in name order. */
static int parse_dropins(struct onshi_config *cfg, struct onshi_diag *diag)
{
	char *dirpath = NULL, **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int rc = ONSHI_OK;

	if (asprintf(&dirpath, "%s/onshid.d", cfg->base_dir) < 0)
		return ONSHI_ENOMEM;
	dir = opendir(dirpath);
	if (!dir) {
		free(dirpath);
		return ONSHI_OK; /* no drop-in directory is fine */
	}
	while ((de = readdir(dir))) {
		if (!is_ini_name(de->d_name))
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 8;
			nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				rc = ONSHI_ENOMEM;
				goto out;
			}
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", dirpath, de->d_name) < 0) {
			rc = ONSHI_ENOMEM;
			goto out;
		}
		n++;
	}
	if (n > 1) /* qsort wants a real array, even for none */
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && rc == ONSHI_OK; i++) {
		rc = parse_one(cfg, names[i], diag);
		if (rc != ONSHI_ENOMEM)
			rc = ONSHI_OK; /* a bad drop-in is reported, not fatal */
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dir);
	free(dirpath);
	return rc;
}

int onshi_config_load(const char *path, struct onshi_config **out,
		      struct onshi_diag *diag)
{
	struct onshi_config *cfg = calloc(1, sizeof(*cfg));
	char *tmp;
	int rc;

	*out = NULL;
	if (!cfg)
		return ONSHI_ENOMEM;
	cfg->path = strdup(path);
	tmp = strdup(path);
	if (!cfg->path || !tmp) {
		free(tmp);
		onshi_config_free(cfg);
		return ONSHI_ENOMEM;
	}
	cfg->base_dir = strdup(dirname(tmp));
	free(tmp);
	if (!cfg->base_dir) {
		onshi_config_free(cfg);
		return ONSHI_ENOMEM;
	}
	rc = parse_one(cfg, path, diag);
	if (rc == ONSHI_OK)
		rc = parse_dropins(cfg, diag);
	if (rc != ONSHI_OK) {
		onshi_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return ONSHI_OK;
}

void onshi_config_free(struct onshi_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nsections; i++) {
		struct onshi_conf_section *s = &cfg->sections[i];

		for (size_t j = 0; j < s->count; j++) {
			free(s->entries[j].key);
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->type);
		free(s->name);
	}
	free(cfg->sections);
	for (size_t i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg->path);
	free(cfg->base_dir);
	free(cfg);
}

const struct onshi_conf_section *onshi_config_section(const struct onshi_config *cfg,
						      const char *type,
						      const char *name)
{
	return find_section((struct onshi_config *)cfg, type, name);
}

const struct onshi_conf_entry *onshi_conf_section_entry(const struct onshi_conf_section *sec,
							const char *key)
{
	if (!sec)
		return NULL;
	for (size_t i = 0; i < sec->count; i++)
		if (strcmp(sec->entries[i].key, key) == 0)
			return &sec->entries[i];
	return NULL;
}

const char *onshi_conf_section_get(const struct onshi_conf_section *sec,
				   const char *key)
{
	const struct onshi_conf_entry *e = onshi_conf_section_entry(sec, key);

	return e ? e->value : NULL;
}

const struct onshi_conf_section *
onshi_conf_tls_identity(const struct onshi_conf_section *own,
			const struct onshi_conf_section *fallback)
{
	return onshi_conf_section_entry(own, "client_cert") ||
			       onshi_conf_section_entry(own, "client_p12")
		       ? own
		       : fallback;
}

char *onshi_config_resolve_path(const struct onshi_config *cfg, const char *value)
{
	char *p = NULL;

	if (value[0] == '/')
		return strdup(value);
	if (asprintf(&p, "%s/%s", cfg->base_dir, value) < 0)
		return NULL;
	return p;
}

char *onshi_conf_section_path(const struct onshi_config *cfg,
			      const struct onshi_conf_section *sec, const char *key)
{
	const char *v = onshi_conf_section_get(sec, key);

	return v ? onshi_config_resolve_path(cfg, v) : NULL;
}
