/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch_parts.h — a batch uploaded in parts. The national service takes
 * at most [national] batch_max_persons persons in one upload, so a longer
 * batch goes up as several uploads and the caller is given one reception
 * number of onshi's own ("ONSHI" and ten hexadecimal digits). What ties
 * that number to the parts is kept in the spool folder, written durably
 * before the number is handed out, so the result can still be fetched
 * after a restart:
 *
 *   batches/<number>.map      the parts in order: their persons, and the
 *                             national ReceptionNumber of each or why it
 *                             was refused
 *   batches/<number>.<k>.xml  part k's upload document (k from 1), from
 *                             which a refused part's error units are made
 *
 * The control socket's BATCH SUBMIT / BATCH FETCH use it
 * (control_batch_parts.c).
 */
#ifndef ONSHI_INQUIRY_BATCH_PARTS_H
#define ONSHI_INQUIRY_BATCH_PARTS_H

#include <stdbool.h>
#include <stddef.h>

#include <onshi/message.h>

#define ONSHI_BATCH_NUMBER_PREFIX "ONSHI"
/* "ONSHI" + 10 hex digits: as long as the simulator's numbers. */
#define ONSHI_BATCH_NUMBER_LEN 15
/* A national ReceptionNumber or refusal code kept in a map: at most this. */
#define ONSHI_BATCH_FIELD_MAX 64

struct onshi_batch_part {
	size_t persons;
	char *reception; /* the national ReceptionNumber; NULL: refused */
	char *code;      /* refused: its error code ("OE0001" if none given) */
	char *refusal;   /* refused: why, one line */
};

struct onshi_batch_map {
	char number[ONSHI_BATCH_NUMBER_LEN + 1];
	char institution[11];
	size_t persons; /* the parts' sum */
	size_t n_parts;
	struct onshi_batch_part *parts;
};

/* onshi's reception number of a batch whose Idempotency-Key is key (hex):
 * the same file from the same institution gets the same number. */
void onshi_batch_number(const char *key, char out[ONSHI_BATCH_NUMBER_LEN + 1]);
/* Whether s has the shape of one of onshi's own reception numbers. */
bool onshi_batch_number_is_ours(const char *s);

/*
 * Add a part to m (in order); reception NULL for a refused part, with its
 * code (NULL: "OE0001") and refusal. Newlines in the refusal become
 * spaces. ONSHI_OK or ONSHI_ENOMEM.
 */
int onshi_batch_map_add(struct onshi_batch_map *m, size_t persons,
			const char *reception, const char *code,
			const char *refusal);
void onshi_batch_map_clear(struct onshi_batch_map *m);

/*
 * Remove what batches/ keeps for batches older than keep_days (their
 * files' modification time): a clinic's daily batch would otherwise pile
 * up there. Called before each new batch in parts. The number removed.
 */
#define ONSHI_BATCH_KEEP_DAYS 31
size_t onshi_batch_sweep(const char *spool_dir, unsigned keep_days);

/* Write part k's upload document durably (batches/ is made 0700 when
 * missing). ONSHI_OK, or an error with why naming the file. */
int onshi_batch_part_save(const char *spool_dir, const char *number, size_t k,
			  const char *doc, size_t len, char *why, size_t whylen);
/* Write m durably: from then on the number can be fetched. */
int onshi_batch_map_save(const char *spool_dir, const struct onshi_batch_map *m,
			 char *why, size_t whylen);
/*
 * Read the map of number. ONSHI_ENOTFOUND when there is none; a map that
 * is broken (cut off, a field out of shape, persons that do not add up)
 * is ONSHI_EPROTO with why naming the file and the line.
 */
int onshi_batch_map_load(const char *spool_dir, const char *number,
			 struct onshi_batch_map *m, char *why, size_t whylen);
/* The map's text (onshi_batch_map_save() writes it; for tests). */
int onshi_batch_map_parse(const char *text, size_t len,
			  struct onshi_batch_map *m, char *why, size_t whylen);

/*
 * Part k's persons as error units, in the order of its upload: each with
 * its search, ProcessingResultStatus 2, code and message; cb takes each
 * over (and frees it with onshi_bulk_unit_clear() when it does not keep
 * it). The count must be persons. ONSHI_OK, the first error of cb, or an
 * error with why.
 */
typedef int (*onshi_batch_unit_cb)(void *arg, struct onshi_bulk_unit *u);
int onshi_batch_part_errors(const char *spool_dir, const char *number, size_t k,
			    size_t persons, const char *code,
			    const char *message, onshi_batch_unit_cb cb,
			    void *arg, char *why, size_t whylen);

/* ---- the calls (batch_parts_calls.c) ---------------------------------- */

struct onshi_national;

/* The upload documents of a batch's parts, in order. */
struct onshi_batch_docs {
	size_t n;
	char **doc;
	size_t *len, *persons;
};
/* Append a part (doc is taken over, also on failure). */
int onshi_batch_docs_add(struct onshi_batch_docs *d, char *doc, size_t len,
			 size_t persons);
void onshi_batch_docs_free(struct onshi_batch_docs *d);
/* A parsed OQSmuquc01req's parts of at most max searches each, with its
 * header. ONSHI_OK, or an error with why. */
int onshi_batch_split_req(const struct onshi_msg *req, size_t max,
			  struct onshi_batch_docs *d, char *why, size_t whylen);
/* A file nobody else can open in dir, gone when closed; -1 with why. */
int onshi_batch_tmpfile(const char *dir, char *why, size_t whylen);

/*
 * Upload docs (taken over, also on failure) for institution code: each
 * part kept in the spool first, then sent one after another with the key
 * file_key (hex), max and "-<part>". cb runs once on the loop: ONSHI_OK
 * with the map saved; ONSHI_EUNAVAIL when a part met a transport failure
 * (parts already accepted keep their receptions: the same file again is
 * safe); ONSHI_EPERM when every part was refused (why: the first
 * refusal); ONSHI_EIO / ONSHI_ENOMEM. The call returns ONSHI_OK when
 * started, else an error with why and cb is not called.
 */
typedef void (*onshi_batch_uploaded_cb)(void *arg, int rc,
					const struct onshi_batch_map *m,
					const char *why);
int onshi_batch_upload(struct onshi_national *n, const char *spool_dir,
		       const char *code, const char *file_key, size_t max,
		       struct onshi_batch_docs *docs, onshi_batch_uploaded_cb cb,
		       void *arg, char *why, size_t whylen);

/*
 * Fetch every part of number (one of ours, institution code), each into
 * a file of its own (answers up to max_answer_bytes). cb runs once:
 * ONSHI_OK with f (merge it with onshi_batch_merge(), then free it);
 * ONSHI_EINCOMPLETE while a part is still processing (f NULL; why says how
 * many are ready); ONSHI_EUNAVAIL on a transport failure; ONSHI_EPROTO
 * when the service's answer is malformed. Returns ONSHI_OK when started;
 * else ONSHI_ENOTFOUND (no such batch of this institution) or an error
 * naming the broken map, with why, and cb is not called.
 */
struct onshi_batch_fetched;
typedef void (*onshi_batch_fetched_cb)(void *arg, int rc,
				       struct onshi_batch_fetched *f,
				       const char *why);
int onshi_batch_fetch(struct onshi_national *n, const char *spool_dir,
		      size_t max_answer_bytes, const char *code,
		      const char *number, onshi_batch_fetched_cb cb, void *arg,
		      char *why, size_t whylen);
const struct onshi_batch_map *onshi_batch_fetched_map(const struct onshi_batch_fetched *f);
/*
 * The merged result's units, part after part, each handed over to cb; a
 * part refused at upload or fetch, or ended abnormally, gives its persons
 * as error units. *normal and *errors: the sums of the parts' counts.
 */
int onshi_batch_merge(struct onshi_batch_fetched *f, onshi_batch_unit_cb cb,
		      void *arg, long *normal, long *errors, char *why,
		      size_t whylen);
void onshi_batch_fetched_free(struct onshi_batch_fetched *f);

#endif
