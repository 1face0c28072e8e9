/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dataset.c — the insured persons onshi-qsd answers about.
 *
 * The dataset is generated from a seed (same seed, same PKI cards → same
 * records, byte for byte in the dump) or loaded from a dump. It has every
 * QualificationValidity case a lookup can produce: valid, lost, expired
 * card, superseded by a newer qualification, search keys that match nobody
 * and keys shared by two persons; names use CP932-only characters (髙 﨑 德,
 * ① in a duplicate's NameOfOther, ㈱ in insurer names) and half-width kana.
 * Some persons are linked to the test My Number Cards of DIR/jpki/cards.tsv
 * by certificate serial. After the n regular persons comes a fixed block of
 * certificate persons (a 高齢受給者証 at 70-74, one limit certificate per
 * OQSCD012 code, the OQSCD013 specific diseases, medical aid with its
 * tickets), drawn from the same seed after everybody else, so the regular
 * persons are the same as before the block existed. Lookups are binary
 * searches over two sorted index arrays built once; the data are
 * read-only while serving.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qsd.h"

struct name_part {
	const char *kanji;
	const char *kana;
	char sex;
};

static const struct name_part family_names[] = {
	{ "佐藤", "ｻﾄｳ", 0 },
	{ "鈴木", "ｽｽﾞｷ", 0 },
	{ "高橋", "ﾀｶﾊｼ", 0 },
	{ "田中", "ﾀﾅｶ", 0 },
	{ "伊藤", "ｲﾄｳ", 0 },
	{ "渡辺", "ﾜﾀﾅﾍﾞ", 0 },
	{ "山本", "ﾔﾏﾓﾄ", 0 },
	{ "中村", "ﾅｶﾑﾗ", 0 },
	{ "小林", "ｺﾊﾞﾔｼ", 0 },
	{ "加藤", "ｶﾄｳ", 0 },
	{ "吉田", "ﾖｼﾀﾞ", 0 },
	{ "山田", "ﾔﾏﾀﾞ", 0 },
	{ "佐々木", "ｻｻｷ", 0 },
	{ "山口", "ﾔﾏｸﾞﾁ", 0 },
	{ "松本", "ﾏﾂﾓﾄ", 0 },
	{ "井上", "ｲﾉｳｴ", 0 },
	{ "木村", "ｷﾑﾗ", 0 },
	{ "林", "ﾊﾔｼ", 0 },
	{ "斎藤", "ｻｲﾄｳ", 0 },
	{ "清水", "ｼﾐｽﾞ", 0 },
	{ "黒澤", "ｸﾛｻﾜ", 0 },
	{ "渡邉", "ﾜﾀﾅﾍﾞ", 0 },
	{ "齋藤", "ｻｲﾄｳ", 0 },
	/* CP932-only (NEC/IBM extensions): not in strict Shift_JIS. */
	{ "髙橋", "ﾀｶﾊｼ", 0 },
	{ "山﨑", "ﾔﾏｻﾞｷ", 0 },
	{ "髙木", "ﾀｶｷﾞ", 0 },
	{ "﨑山", "ｻｷﾔﾏ", 0 },
	{ "髙田", "ﾀｶﾀﾞ", 0 },
	{ "宮﨑", "ﾐﾔｻﾞｷ", 0 },
	{ "德永", "ﾄｸﾅｶﾞ", 0 },
};

static const struct name_part given_names[] = {
	{ "太郎", "ﾀﾛｳ", '1' },   { "一郎", "ｲﾁﾛｳ", '1' },
	{ "健太", "ｹﾝﾀ", '1' },   { "翔太", "ｼｮｳﾀ", '1' },
	{ "大輔", "ﾀﾞｲｽｹ", '1' }, { "直樹", "ﾅｵｷ", '1' },
	{ "誠", "ﾏｺﾄ", '1' },     { "浩", "ﾋﾛｼ", '1' },
	{ "拓也", "ﾀｸﾔ", '1' },   { "蓮", "ﾚﾝ", '1' },
	{ "悠真", "ﾕｳﾏ", '1' },   { "陽翔", "ﾊﾙﾄ", '1' },
	{ "清", "ｷﾖｼ", '1' },     { "勇", "ｲｻﾑ", '1' },
	{ "修", "ｵｻﾑ", '1' },     { "花子", "ﾊﾅｺ", '2' },
	{ "洋子", "ﾖｳｺ", '2' },   { "恵子", "ｹｲｺ", '2' },
	{ "美咲", "ﾐｻｷ", '2' },   { "陽菜", "ﾋﾅ", '2' },
	{ "結衣", "ﾕｲ", '2' },    { "さくら", "ｻｸﾗ", '2' },
	{ "由美", "ﾕﾐ", '2' },    { "智子", "ﾄﾓｺ", '2' },
	{ "真由美", "ﾏﾕﾐ", '2' }, { "凜", "ﾘﾝ", '2' },
	{ "芽依", "ﾒｲ", '2' },    { "幸子", "ｻﾁｺ", '2' },
	{ "和子", "ｶｽﾞｺ", '2' },  { "久美子", "ｸﾐｺ", '2' },
};

/* Prefecture, municipality: a few carry CP932-only characters. */
static const char *const cities[][2] = {
	{ "東京都", "千代田区" }, { "東京都", "新宿区" },
	{ "東京都", "世田谷区" }, { "東京都", "八王子市" },
	{ "神奈川県", "横浜市" }, { "神奈川県", "川﨑市" },
	{ "岐阜県", "髙山市" },   { "大阪府", "大阪市" },
};

static const char *const companies[] = {
	"オンシ商事", "髙島電機", "日本精機",
	"東都運輸",   "﨑陽食品", "みらい銀行",
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kind_names[QSD_KIND_COUNT] = {
	"valid", "lost",    "expired",     "superseded",
	"newer", "missing", "duplicate",   "elderly",
	"limit", "disease", "medical_aid",
};

static const int kind_validity[QSD_KIND_COUNT] = { 1, 2, 2, 3, 1, 4,
						   5, 1, 1, 1, 6 };

/* OQSCD012 as myclinic-ts and OQSDrug2 read it (the official list is not
 * public): A = under 70 (ア イ ウ エ オ オ(境)), B = 70 and over (現役並みⅢ
 * Ⅱ Ⅰ, 一般, 低所得Ⅱ, 低所得Ⅰ, 低所得Ⅰ(老福), 低所得Ⅰ(境), 一般Ⅱ, 一般Ⅰ). */
const char *const qsd_oqscd012_codes[] = {
	"A01", "A02", "A03", "A04", "A05", "A06", "B01", "B02", "B03",
	"B04", "B05", "B06", "B07", "B08", "B09", "B10", NULL,
};
/* OQSCD013: 01 chronic renal failure on dialysis, 02 congenital clotting
 * factor VIII/IX disorder, 03 HIV under antiviral treatment. */
const char *const qsd_oqscd013_codes[] = { "01", "02", "03", NULL };

/* Fixed parts of the certificate blocks: the dataset does not follow the
 * calendar (same seed, same answers), so these are constants. */
#define CERT_ISSUED "20260701"
#define CERT_FROM "20260801" /* 高齢受給者証 and 限度額 run August-July */
#define CERT_TO "20270731"
#define CONSENT_TIME "20261201090000"
#define TICKET_MONTH "202612"
#define TICKET_FROM "20261201"
#define TICKET_TO "20261231"
#define AID_INSURER "12136017" /* 公費負担者番号: 法別 12 (生活保護), 東京都 */
#define AID_OFFICE "千代田区福祉事務所"

const char *qsd_kind_name(enum qsd_kind k)
{
	return (unsigned)k < QSD_KIND_COUNT ? kind_names[k] : "?";
}

/* ---- generation ------------------------------------------------------------ */

struct insurer {
	char number[9];
	char *name;
	bool elderly; /* 後期高齢者医療: 75 and over */
	bool kokuho;  /* 国民健康保険: 6-digit number */
};

struct gen {
	struct qsd_dataset *ds;
	size_t cap;
	uint64_t rng;
	struct insurer ins[24];
	unsigned next_number;
};

static unsigned rnd(struct gen *g, unsigned n)
{
	return (unsigned)(qsd_rand_next(&g->rng) % n);
}

static char *xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static char *join(const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	char *s = malloc(la + ls + lb + 1);

	if (s != NULL) {
		memcpy(s, a, la);
		memcpy(s + la, sep, ls);
		memcpy(s + la + ls, b, lb + 1);
	}
	return s;
}

static struct qsd_record *new_record(struct gen *g)
{
	struct qsd_dataset *ds = g->ds;

	if (ds->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 1024;
		struct qsd_record *nr = realloc(ds->rec, ncap * sizeof(*nr));

		if (nr == NULL)
			return NULL;
		ds->rec = nr;
		g->cap = ncap;
	}
	memset(&ds->rec[ds->n], 0, sizeof(ds->rec[0]));
	return &ds->rec[ds->n++];
}

static void make_insurers(struct gen *g)
{
	char name[256];

	for (unsigned i = 0; i < N_ELEMS(g->ins); i++) {
		struct insurer *in = &g->ins[i];

		switch (i % 4) {
		case 0: /* 国民健康保険: 6 digits, written "  NNNNNN" */
			snprintf(in->number, sizeof(in->number), "  13%04u",
				 1000 + rnd(g, 9000));
			snprintf(name, sizeof(name), "%s国民健康保険",
				 cities[rnd(g, N_ELEMS(cities))][1]);
			in->kokuho = true;
			break;
		case 1: /* 全国健康保険協会 */
			snprintf(in->number, sizeof(in->number), "0113%04u",
				 rnd(g, 10000));
			snprintf(name, sizeof(name), "全国健康保険協会東京支部");
			break;
		case 2: /* 健康保険組合, some companies are ㈱ */
			snprintf(in->number, sizeof(in->number), "0613%04u",
				 rnd(g, 10000));
			snprintf(name, sizeof(name), "%s%s健康保険組合",
				 rnd(g, 2) ? "㈱" : "",
				 companies[rnd(g, N_ELEMS(companies))]);
			break;
		default: /* 後期高齢者医療広域連合 */
			snprintf(in->number, sizeof(in->number), "3913%04u",
				 rnd(g, 10000));
			snprintf(name, sizeof(name), "東京都後期高齢者医療広域連合");
			in->elderly = true;
			break;
		}
		in->name = strdup(name);
	}
}

static void random_date(struct gen *g, unsigned y0, unsigned y1, char out[9])
{
	snprintf(out, 9, "%04u%02u%02u", y0 + rnd(g, y1 - y0 + 1),
		 1 + rnd(g, 12), 1 + rnd(g, 28));
}

/* Fill a record with a fresh person on a fresh card. */
static int fill_person_born(struct gen *g, struct qsd_record *r, unsigned person_id,
			    enum qsd_kind kind, unsigned y0, unsigned span)
{
	const struct name_part *fam = &family_names[rnd(g, N_ELEMS(family_names))];
	const struct name_part *giv = &given_names[rnd(g, N_ELEMS(given_names))];
	const struct insurer *in;
	unsigned year = y0 + rnd(g, span), ins, k;
	char buf[256];

	r->person_id = person_id;
	r->kind = kind;
	r->validity = kind_validity[kind];
	snprintf(r->birthdate, sizeof(r->birthdate), "%04u%02u%02u", year,
		 1 + rnd(g, 12), 1 + rnd(g, 28));
	/* 後期高齢 for those born before 1950, anybody else elsewhere. */
	do {
		ins = rnd(g, N_ELEMS(g->ins));
	} while (g->ins[ins].elderly != (year < 1950));
	in = &g->ins[ins];
	memcpy(r->insurer_number, in->number, 9);
	if (in->kokuho)
		snprintf(r->symbol, sizeof(r->symbol), "%02u-%02u", rnd(g, 100),
			 rnd(g, 100));
	else if (in->elderly)
		r->symbol[0] = '\0';
	else
		snprintf(r->symbol, sizeof(r->symbol), "%u", 100 + rnd(g, 9900));
	/* Unique numbers: only the duplicates share keys on purpose. */
	snprintf(r->number, sizeof(r->number), "%u", g->next_number++);
	snprintf(r->branch, sizeof(r->branch), "%02u",
		 rnd(g, 4) == 0 ? 1 + rnd(g, 3) : 0);
	snprintf(buf, sizeof(buf), "%s　%s", fam->kanji, giv->kanji);
	r->name = strdup(buf);
	snprintf(buf, sizeof(buf), "%s %s", fam->kana, giv->kana);
	r->name_kana = strdup(buf);
	r->sex[0] = giv->sex;
	strcpy(r->card_class, "01");
	strcpy(r->family, strcmp(r->branch, "00") == 0 ? "1" : "2");
	if (r->family[0] == '1') {
		r->insured_name = strdup(r->name);
	} else {
		snprintf(buf, sizeof(buf), "%s　%s", fam->kanji,
			 given_names[rnd(g, N_ELEMS(given_names))].kanji);
		r->insured_name = strdup(buf);
	}
	random_date(g, 2000, 2022, r->qualification_date);
	strcpy(r->ratio, in->elderly ? "010" : (year >= 2019 ? "020" : "030"));
	r->insurer_name = strdup(in->name);
	k = rnd(g, N_ELEMS(cities));
	snprintf(buf, sizeof(buf), "%s%s%u-%u-%u", cities[k][0], cities[k][1],
		 1 + rnd(g, 9), 1 + rnd(g, 30), 1 + rnd(g, 20));
	r->address = strdup(buf);
	snprintf(r->post_number, sizeof(r->post_number), "1%06u", rnd(g, 1000000));
	switch (kind) {
	case QSD_KIND_LOST:
	case QSD_KIND_SUPERSEDED:
		random_date(g, 2023, 2024, r->disqualification_date);
		strcpy(r->reason_of_loss, kind == QSD_KIND_LOST ? "1" : "2");
		break;
	case QSD_KIND_EXPIRED:
		random_date(g, 2023, 2024, r->card_expiration_date);
		break;
	default: break;
	}
	if (r->name == NULL || r->name_kana == NULL || r->insured_name == NULL ||
	    r->insurer_name == NULL || r->address == NULL)
		return ONSHI_ENOMEM;
	return ONSHI_OK;
}

/* A regular person: born 1935-2023. */
static int fill_person(struct gen *g, struct qsd_record *r, unsigned person_id,
		       enum qsd_kind kind)
{
	return fill_person_born(g, r, person_id, kind, 1935, 89);
}

static int copy_person(struct qsd_record *dst, const struct qsd_record *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->name_kana = xstrdup(src->name_kana);
	dst->name_of_other = xstrdup(src->name_of_other);
	dst->insured_name = xstrdup(src->insured_name);
	dst->insurer_name = xstrdup(src->insurer_name);
	dst->address = xstrdup(src->address);
	return dst->name != NULL && dst->insurer_name != NULL ? ONSHI_OK
							      : ONSHI_ENOMEM;
}

/* The kind of person i: a fixed 20-person cycle covering every case. */
static enum qsd_kind kind_of(unsigned i)
{
	switch (i % 20) {
	case 12: return QSD_KIND_LOST;
	case 13: return QSD_KIND_EXPIRED;
	case 14: return QSD_KIND_SUPERSEDED;
	case 15: return QSD_KIND_MISSING;
	case 16: return QSD_KIND_DUPLICATE;
	default: return QSD_KIND_VALID;
	}
}

static int add_person(struct gen *g, unsigned id)
{
	enum qsd_kind kind = kind_of(id);
	struct qsd_record *r = new_record(g), *r2;
	size_t ri;
	int rc;

	if (r == NULL)
		return ONSHI_ENOMEM;
	ri = (size_t)(r - g->ds->rec);
	rc = fill_person(g, r, id, kind);
	if (rc != ONSHI_OK)
		return rc;
	if (kind == QSD_KIND_SUPERSEDED) {
		/* The same person, insured again under a new number since the old one lapsed. */
		r2 = new_record(g);
		if (r2 == NULL)
			return ONSHI_ENOMEM;
		r = &g->ds->rec[ri];
		rc = copy_person(r2, r);
		if (rc != ONSHI_OK)
			return rc;
		r2->kind = QSD_KIND_NEWER;
		r2->validity = 1;
		r2->disqualification_date[0] = '\0';
		r2->reason_of_loss[0] = '\0';
		snprintf(r2->number, sizeof(r2->number), "%u", g->next_number++);
		memcpy(r2->qualification_date, r->disqualification_date, 9);
	} else if (kind == QSD_KIND_DUPLICATE) {
		/* A second person registered under the very same keys. */
		struct qsd_record tmp;

		r2 = new_record(g);
		if (r2 == NULL)
			return ONSHI_ENOMEM;
		r = &g->ds->rec[ri];
		memset(&tmp, 0, sizeof(tmp));
		rc = fill_person(g, &tmp, id, kind);
		if (rc != ONSHI_OK)
			return rc;
		free(tmp.address);
		tmp.address = xstrdup(r->address);
		memcpy(tmp.insurer_number, r->insurer_number, 9);
		memcpy(tmp.symbol, r->symbol, sizeof(tmp.symbol));
		memcpy(tmp.number, r->number, sizeof(tmp.number));
		memcpy(tmp.branch, r->branch, sizeof(tmp.branch));
		memcpy(tmp.birthdate, r->birthdate, sizeof(tmp.birthdate));
		memcpy(tmp.family, r->family, sizeof(tmp.family));
		free(tmp.insurer_name);
		tmp.insurer_name = xstrdup(r->insurer_name);
		g->next_number--; /* tmp's own number was not used */
		*r2 = tmp;
		/* Clinics tell such twins apart by a circled number. */
		r->name_of_other = join(r->name, "", "①");
		r2->name_of_other = join(r2->name, "", "②");
	}
	return ONSHI_OK;
}

/* One certificate person born in [y0, y0 + span). */
static struct qsd_record *cert_person(struct gen *g, unsigned *id,
				      enum qsd_kind kind, unsigned y0, unsigned span)
{
	struct qsd_record *r = new_record(g);

	if (r == NULL || fill_person_born(g, r, (*id)++, kind, y0, span) != ONSHI_OK)
		return NULL;
	return r;
}

/*
 * The certificate block, after the regular persons (ids from first): one
 * limit-certificate holder per OQSCD012 code (A codes under 70; B01-B08 at
 * 70-74 with a 高齢受給者証, 現役並み paying 3 割; B09/B10 at 75 and over
 * on 後期高齢者医療), two 高齢受給者証 holders without one, a
 * specific-disease holder per OQSCD013 code (and a second 01 at the
 * upper-income 20,000 yen), two medical-aid persons.
 */
static int add_certificate_persons(struct gen *g, unsigned first)
{
	unsigned id = first;
	struct qsd_record *r;

	for (unsigned i = 0; qsd_oqscd012_codes[i] != NULL; i++) {
		const char *code = qsd_oqscd012_codes[i];

		if (code[0] == 'A')
			r = cert_person(g, &id, QSD_KIND_LIMIT, 1960, 40);
		else if (strcmp(code, "B09") < 0)
			r = cert_person(g, &id, QSD_KIND_LIMIT, 1952, 5);
		else
			r = cert_person(g, &id, QSD_KIND_LIMIT, 1935, 15);
		if (r == NULL)
			return ONSHI_ENOMEM;
		snprintf(r->limit_flag, sizeof(r->limit_flag), "%s", code);
		if (code[0] == 'B' && strcmp(code, "B09") < 0) {
			strcpy(r->elderly_ratio,
			       strcmp(code, "B04") < 0 ? "030" : "020");
			strcpy(r->ratio, r->elderly_ratio);
		} else if (code[0] == 'B') {
			strcpy(r->ratio, strcmp(code, "B09") == 0 ? "020" : "010");
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		r = cert_person(g, &id, QSD_KIND_ELDERLY, 1952, 5);
		if (r == NULL)
			return ONSHI_ENOMEM;
		strcpy(r->elderly_ratio, i == 0 ? "020" : "030");
		strcpy(r->ratio, r->elderly_ratio);
	}
	for (unsigned i = 0; i <= N_ELEMS(qsd_oqscd013_codes) - 1; i++) {
		/* the last round is the second 01, at the upper-income amount */
		const char *code = i < N_ELEMS(qsd_oqscd013_codes) - 1
					   ? qsd_oqscd013_codes[i]
					   : "01";

		r = cert_person(g, &id, QSD_KIND_DISEASE, 1960, 40);
		if (r == NULL)
			return ONSHI_ENOMEM;
		snprintf(r->disease, sizeof(r->disease), "%s", code);
		strcpy(r->disease_self_pay,
		       i < N_ELEMS(qsd_oqscd013_codes) - 1 ? "10000" : "20000");
	}
	for (unsigned i = 0; i < 2; i++) {
		r = cert_person(g, &id, QSD_KIND_MEDICAL_AID, 1940, 60);
		if (r == NULL)
			return ONSHI_ENOMEM;
		/* 生活保護: the 公費負担者番号 stands for the insurer, the 受給者番号
		 * is the number, no symbol, no co-payment. */
		memcpy(r->insurer_number, AID_INSURER, 9);
		r->symbol[0] = '\0';
		strcpy(r->branch, "00");
		strcpy(r->card_class, "A1");
		strcpy(r->family, "1");
		r->ratio[0] = '\0';
		free(r->insured_name);
		r->insured_name = xstrdup(r->name);
		free(r->insurer_name);
		r->insurer_name = xstrdup(AID_OFFICE);
		snprintf(r->ticket_number, sizeof(r->ticket_number), "%07u",
			 1000000 + rnd(g, 9000000));
		if (r->insured_name == NULL || r->insurer_name == NULL)
			return ONSHI_ENOMEM;
	}
	return ONSHI_OK;
}

/* Link cards.tsv cards to persons: index%5: 1 valid, 2 valid 髙/﨑 name,
 * 3 lost, 4 newer (superseded before), 0 no person; expired and revoked
 * cards go to valid persons, so only the certificate can fail them. */
static int link_cards(struct qsd_dataset *ds, const char *path, char *msg, size_t msglen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t cursor[4] = { 0, 0, 0, 0 };

	if (f == NULL) {
		snprintf(msg, msglen, "cannot read %s: %s (run onshi-pki)",
			 path, strerror(errno));
		return ONSHI_ENOTFOUND;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *col[9];
		int n = 0, want;
		char *p = line, *serial;
		size_t *cur;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		while (n < 9 && p != NULL) {
			col[n++] = p;
			p = strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		if (n < 7)
			continue;
		serial = col[3];
		while (serial[0] == '0' && serial[1] != '\0')
			serial++;
		if (strcmp(col[6], "valid") != 0)
			want = 0;
		else
			want = (int)(strtoul(col[0], NULL, 10) % 5);
		if (want == 0 && strcmp(col[6], "valid") == 0)
			continue;
		cur = &cursor[want == 0 ? 0 : want - 1];
		for (; *cur < ds->n; (*cur)++) {
			struct qsd_record *r = &ds->rec[*cur];
			bool fits;

			if (r->card_serial[0] != '\0')
				continue;
			switch (want) {
			case 2:
				fits = r->kind == QSD_KIND_VALID &&
				       (strstr(r->name, "髙") != NULL ||
					strstr(r->name, "﨑") != NULL);
				break;
			case 3: fits = r->kind == QSD_KIND_LOST; break;
			case 4: fits = r->kind == QSD_KIND_NEWER; break;
			default: fits = r->kind == QSD_KIND_VALID; break;
			}
			if (fits)
				break;
		}
		if (*cur < ds->n)
			snprintf(ds->rec[*cur].card_serial,
				 sizeof(ds->rec[0].card_serial), "%s", serial);
	}
	fclose(f);
	return ONSHI_OK;
}

/* ---- indexes ------------------------------------------------------------------ */

static int cmp_keys4(const struct qsd_record *r, const char *ins,
		     const char *sym, const char *num, const char *birth)
{
	int c = strcmp(r->insurer_number, ins);

	if (c == 0)
		c = strcmp(r->symbol, sym);
	if (c == 0)
		c = strcmp(r->number, num);
	if (c == 0)
		c = strcmp(r->birthdate, birth);
	return c;
}

/* qsort_r is a GNU extension; the record array is passed through this. */
struct sort_ctx {
	const struct qsd_record *rec;
};

static int cmp_by_keys(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct qsd_record *ra = &c->rec[*(const size_t *)a];
	const struct qsd_record *rb = &c->rec[*(const size_t *)b];
	int r = cmp_keys4(ra, rb->insurer_number, rb->symbol, rb->number,
			  rb->birthdate);

	if (r == 0)
		r = strcmp(ra->branch, rb->branch);
	return r;
}

static int cmp_by_serial(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;

	return strcmp(c->rec[*(const size_t *)a].card_serial,
		      c->rec[*(const size_t *)b].card_serial);
}

static int build_index(struct qsd_dataset *ds)
{
	struct sort_ctx c = { ds->rec };

	free(ds->by_keys);
	free(ds->by_serial);
	ds->by_keys = malloc((ds->n + 1) * sizeof(size_t));
	ds->by_serial = malloc((ds->n + 1) * sizeof(size_t));
	if (ds->by_keys == NULL || ds->by_serial == NULL)
		return ONSHI_ENOMEM;
	ds->n_by_keys = ds->n_by_serial = 0;
	for (size_t i = 0; i < ds->n; i++) {
		/* "missing" rows are search keys nobody has: not indexed. */
		if (ds->rec[i].kind != QSD_KIND_MISSING)
			ds->by_keys[ds->n_by_keys++] = i;
		if (ds->rec[i].card_serial[0] != '\0')
			ds->by_serial[ds->n_by_serial++] = i;
	}
	qsort_r(ds->by_keys, ds->n_by_keys, sizeof(size_t), cmp_by_keys, &c);
	qsort_r(ds->by_serial, ds->n_by_serial, sizeof(size_t), cmp_by_serial, &c);
	return ONSHI_OK;
}

static void trimmed(const char *in, char *out, size_t outlen)
{
	size_t n;

	if (in == NULL)
		in = "";
	while (*in == ' ' || *in == '\t')
		in++;
	n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

size_t qsd_dataset_find(const struct qsd_dataset *ds,
			const struct onshi_search_info *s, size_t *first)
{
	char sym[64], num[64], br[16], birth[16];
	const char *ins = s->insurer_number != NULL ? s->insurer_number : "";
	size_t lo = 0, hi = ds->n_by_keys, n = 0;

	trimmed(s->insured_card_symbol, sym, sizeof(sym));
	trimmed(s->insured_identification_number, num, sizeof(num));
	trimmed(s->insured_branch_number, br, sizeof(br));
	trimmed(s->birthdate, birth, sizeof(birth));
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_keys4(&ds->rec[ds->by_keys[mid]], ins, sym, num, birth) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	/* An empty branch number matches every branch (old cards had none). */
	for (size_t i = lo; i < ds->n_by_keys; i++) {
		const struct qsd_record *r = &ds->rec[ds->by_keys[i]];

		if (cmp_keys4(r, ins, sym, num, birth) != 0)
			break;
		if (br[0] != '\0' && strcmp(r->branch, br) != 0) {
			if (n == 0)
				*first = i + 1;
			continue;
		}
		n++;
	}
	return n;
}

const struct qsd_record *qsd_dataset_by_serial(const struct qsd_dataset *ds,
					       const char *serial_hex)
{
	size_t lo = 0, hi = ds->n_by_serial;

	while (serial_hex[0] == '0' && serial_hex[1] != '\0')
		serial_hex++;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ds->rec[ds->by_serial[mid]].card_serial, serial_hex);

		if (c == 0)
			return &ds->rec[ds->by_serial[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int qsd_record_to_result(const struct qsd_record *r, struct onshi_qualification *q)
{
	int rc = ONSHI_OK;

#define SET(field, value)                                                    \
	do {                                                                 \
		if (rc == ONSHI_OK && (value) != NULL && (value)[0] != '\0') \
			rc = onshi_msg_set(&q->field, (value));              \
	} while (0)
	SET(insured_card_classification, r->card_class);
	SET(insurer_number, r->insurer_number);
	if (rc == ONSHI_OK)
		rc = onshi_msg_set(&q->insured_card_symbol, r->symbol);
	SET(insured_identification_number, r->number);
	SET(insured_branch_number, r->branch);
	SET(personal_family_classification, r->family);
	SET(insured_name, r->insured_name);
	SET(name, r->name);
	SET(name_of_other, r->name_of_other);
	SET(name_kana, r->name_kana);
	SET(sex1, r->sex);
	SET(birthdate, r->birthdate);
	SET(address, r->address);
	SET(post_number, r->post_number);
	SET(qualification_date, r->qualification_date);
	SET(disqualification_date, r->disqualification_date);
	SET(insured_card_expiration_date, r->card_expiration_date);
	SET(insured_partial_contribution_ratio, r->ratio);
	SET(reason_of_loss, r->reason_of_loss);
	SET(insurer_name, r->insurer_name);
	if (r->elderly_ratio[0] != '\0') {
		SET(elderly.certificate_date, CERT_ISSUED);
		SET(elderly.valid_start_date, CERT_FROM);
		SET(elderly.valid_end_date, CERT_TO);
		SET(elderly.contribution_ratio, r->elderly_ratio);
	}
	if (r->limit_flag[0] != '\0') {
		/* 住民税非課税 brackets get the 標準負担額減額 variant (02). */
		static const char *const reduced[] = { "A05", "A06", "B05",
						       "B06", "B07", "B08" };
		const char *cls = "01";

		for (size_t i = 0; i < N_ELEMS(reduced); i++)
			if (strcmp(r->limit_flag, reduced[i]) == 0)
				cls = "02";
		SET(limit_cons_flg, "1");
		SET(limit_cons_time, CONSENT_TIME);
		SET(limit.classification, cls);
		SET(limit.classification_flag, r->limit_flag);
		SET(limit.certificate_date, CERT_ISSUED);
		SET(limit.valid_start_date, CERT_FROM);
		SET(limit.valid_end_date, CERT_TO);
	}
	if (rc == ONSHI_OK && r->disease[0] != '\0') {
		struct onshi_specific_disease_certificate *d =
			onshi_qualification_add_specific_disease(q);

		SET(specific_diseases_cons_flg, "1");
		SET(specific_diseases_cons_time, CONSENT_TIME);
		if (d == NULL)
			return ONSHI_ENOMEM;
#define DSET(field, value)                                      \
	do {                                                    \
		if (rc == ONSHI_OK)                             \
			rc = onshi_msg_set(&d->field, (value)); \
	} while (0)
		DSET(disease_category, r->disease);
		DSET(certificate_date, r->qualification_date);
		DSET(valid_start_date, r->qualification_date);
		DSET(self_pay, r->disease_self_pay);
#undef DSET
	}
	/* 医療券 for this month; every other person has a 調剤券 as well. */
	for (unsigned t = 0; rc == ONSHI_OK && r->ticket_number[0] != '\0' &&
			     t < 1 + (r->person_id % 2);
	     t++) {
		struct onshi_medical_ticket *mt =
			onshi_qualification_add_medical_ticket(q);
		char issue[24];

		if (mt == NULL)
			return ONSHI_ENOMEM;
		snprintf(issue, sizeof(issue), "%s%s", r->ticket_number,
			 t == 0 ? "" : "-2");
#define TSET(field, value)                                       \
	do {                                                     \
		if (rc == ONSHI_OK)                              \
			rc = onshi_msg_set(&mt->field, (value)); \
	} while (0)
		TSET(ticket_type, t == 0 ? "1" : "2");
		TSET(valid_date, TICKET_FROM);
		TSET(expiration_date, TICKET_TO);
		TSET(issue_number, issue);
		TSET(medical_treatment_month, TICKET_MONTH);
		TSET(self_pay_amount, "0");
		TSET(district_contact_name, AID_OFFICE);
#undef TSET
	}
#undef SET
	return rc;
}

int qsd_dataset_generate(struct qsd_dataset *ds, unsigned n, uint64_t seed,
			 const char *cards_tsv, char *msg, size_t msglen)
{
	struct gen g;
	int rc = ONSHI_OK;

	memset(ds, 0, sizeof(*ds));
	memset(&g, 0, sizeof(g));
	g.ds = ds;
	g.rng = seed;
	g.next_number = 1000;
	make_insurers(&g);
	for (unsigned i = 0; i < n && rc == ONSHI_OK; i++)
		rc = add_person(&g, i);
	if (rc == ONSHI_OK)
		rc = add_certificate_persons(&g, n);
	for (unsigned i = 0; i < N_ELEMS(g.ins); i++)
		free(g.ins[i].name);
	if (rc == ONSHI_OK && cards_tsv != NULL)
		rc = link_cards(ds, cards_tsv, msg, msglen);
	if (rc == ONSHI_OK)
		rc = build_index(ds);
	if (rc == ONSHI_ENOMEM)
		snprintf(msg, msglen, "out of memory generating the dataset");
	return rc;
}

/* ---- dump and load ---------------------------------------------------------- */

static const char dump_header[] =
	"#person_id\tkind\tvalidity\tinsurer_number\tsymbol\tnumber\tbranch\tbirthdate"
	"\tname\tname_kana\tname_of_other\tsex\tcard_class\tfamily\tinsured_name"
	"\tqualification_date\tdisqualification_date\tcard_expiration_date"
	"\treason_of_loss\tratio\tinsurer_name\taddress\tpost_number\tcard_serial"
	"\telderly_ratio\tlimit_class\tdisease\tdisease_self_pay\tticket_number\n";

/* Columns of a dump; dumps from before the certificate columns have 24. */
#define N_COLS 29
#define N_COLS_OLD 24

static const char *dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

int qsd_dataset_dump(const struct qsd_dataset *ds, const char *path, char *msg,
		     size_t msglen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");

	if (f == NULL) {
		snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
		return ONSHI_EIO;
	}
	fputs(dump_header, f);
	for (size_t i = 0; i < ds->n; i++) {
		const struct qsd_record *r = &ds->rec[i];

		fprintf(f,
			"%u\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s"
			"\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r->person_id, kind_names[r->kind], r->validity,
			r->insurer_number, dash(r->symbol), r->number, r->branch,
			r->birthdate, r->name, r->name_kana, dash(r->name_of_other),
			r->sex, r->card_class, r->family, r->insured_name,
			r->qualification_date, dash(r->disqualification_date),
			dash(r->card_expiration_date), dash(r->reason_of_loss),
			dash(r->ratio), r->insurer_name, r->address, r->post_number,
			dash(r->card_serial), dash(r->elderly_ratio),
			dash(r->limit_flag), dash(r->disease),
			dash(r->disease_self_pay), dash(r->ticket_number));
	}
	if ((f != stdout && fclose(f) != 0) || (f == stdout && fflush(f) != 0)) {
		snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
		return ONSHI_EIO;
	}
	return ONSHI_OK;
}

static void undash(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", strcmp(src, "-") == 0 ? "" : src);
}

static char *undash_dup(const char *src)
{
	return strcmp(src, "-") == 0 ? NULL : strdup(src);
}

int qsd_dataset_load(struct qsd_dataset *ds, const char *path, char *msg, size_t msglen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t linecap = 0, lineno = 0;
	struct gen g;
	int rc = ONSHI_OK;

	memset(ds, 0, sizeof(*ds));
	memset(&g, 0, sizeof(g));
	g.ds = ds;
	if (f == NULL) {
		snprintf(msg, msglen, "cannot read %s: %s", path, strerror(errno));
		return ONSHI_ENOTFOUND;
	}
	while (rc == ONSHI_OK && getline(&line, &linecap, f) > 0) {
		char *col[N_COLS], *p = line;
		struct qsd_record *r;
		int n = 0, k;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		while (n < N_COLS && p != NULL) {
			col[n++] = p;
			p = strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		for (k = 0;
		     k < QSD_KIND_COUNT && (n == N_COLS || n == N_COLS_OLD); k++)
			if (strcmp(col[1], kind_names[k]) == 0)
				break;
		if ((n != N_COLS && n != N_COLS_OLD) || p != NULL ||
		    k == QSD_KIND_COUNT) {
			snprintf(msg, msglen,
				 "%s:%zu: not a dataset line (%d columns, want %d)",
				 path, lineno, n, N_COLS);
			rc = ONSHI_EINVAL;
			break;
		}
		r = new_record(&g);
		if (r == NULL) {
			rc = ONSHI_ENOMEM;
			break;
		}
		r->person_id = (unsigned)strtoul(col[0], NULL, 10);
		r->kind = (enum qsd_kind)k;
		r->validity = kind_validity[k];
		undash(r->insurer_number, sizeof(r->insurer_number), col[3]);
		undash(r->symbol, sizeof(r->symbol), col[4]);
		undash(r->number, sizeof(r->number), col[5]);
		undash(r->branch, sizeof(r->branch), col[6]);
		undash(r->birthdate, sizeof(r->birthdate), col[7]);
		r->name = strdup(col[8]);
		r->name_kana = strdup(col[9]);
		r->name_of_other = undash_dup(col[10]);
		undash(r->sex, sizeof(r->sex), col[11]);
		undash(r->card_class, sizeof(r->card_class), col[12]);
		undash(r->family, sizeof(r->family), col[13]);
		r->insured_name = strdup(col[14]);
		undash(r->qualification_date, sizeof(r->qualification_date),
		       col[15]);
		undash(r->disqualification_date,
		       sizeof(r->disqualification_date), col[16]);
		undash(r->card_expiration_date, sizeof(r->card_expiration_date),
		       col[17]);
		undash(r->reason_of_loss, sizeof(r->reason_of_loss), col[18]);
		undash(r->ratio, sizeof(r->ratio), col[19]);
		r->insurer_name = strdup(col[20]);
		r->address = strdup(col[21]);
		undash(r->post_number, sizeof(r->post_number), col[22]);
		undash(r->card_serial, sizeof(r->card_serial), col[23]);
		if (n == N_COLS) {
			undash(r->elderly_ratio, sizeof(r->elderly_ratio), col[24]);
			undash(r->limit_flag, sizeof(r->limit_flag), col[25]);
			undash(r->disease, sizeof(r->disease), col[26]);
			undash(r->disease_self_pay, sizeof(r->disease_self_pay),
			       col[27]);
			undash(r->ticket_number, sizeof(r->ticket_number), col[28]);
		}
		if (r->name == NULL || r->name_kana == NULL ||
		    r->insured_name == NULL || r->insurer_name == NULL ||
		    r->address == NULL)
			rc = ONSHI_ENOMEM;
	}
	free(line);
	fclose(f);
	if (rc == ONSHI_OK && ds->n == 0) {
		snprintf(msg, msglen, "%s: no records", path);
		rc = ONSHI_EINVAL;
	}
	if (rc == ONSHI_OK)
		rc = build_index(ds);
	if (rc == ONSHI_ENOMEM)
		snprintf(msg, msglen, "out of memory loading %s", path);
	return rc;
}

void qsd_dataset_free(struct qsd_dataset *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		struct qsd_record *r = &ds->rec[i];

		free(r->name);
		free(r->name_kana);
		free(r->name_of_other);
		free(r->insured_name);
		free(r->insurer_name);
		free(r->address);
	}
	free(ds->rec);
	free(ds->by_keys);
	free(ds->by_serial);
	memset(ds, 0, sizeof(*ds));
}
