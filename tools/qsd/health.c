/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.c — drug histories (薬剤情報) and specific health check-up results
 * (特定健診情報) of onshi-qsd's persons.
 *
 * Nothing is stored: each person's information is drawn from a generator
 * seeded with the person's id, anchored at the request's
 * QualificationConfirmationDate, so the same question on the same day gets
 * the same answer byte for byte. Consent is a fixed rule on the person id
 * (docs/qsd.md): person_id % 20 == 5 has not consented to drug
 * information, == 6 not to check-up information; everybody else has.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qsd.h"

struct drug {
	const char *code, *name, *unit, *usage;
	unsigned qty_min, qty_max, days_max;
};

/* YJ-code-shaped codes; names as dispensing records spell them. */
static const struct drug drugs[] = {
	{ "2171022F1096", "アムロジピン錠５ｍｇ「サワイ」", "錠",
	  "1日1回朝食後", 1, 1, 30 },
	{ "1149019F1560", "ロキソプロフェンＮａ錠６０ｍｇ「ＹＤ」", "錠",
	  "1日3回毎食後", 3, 3, 7 },
	{ "2329021F1021", "レバミピド錠１００ｍｇ「ＴＣＫ」", "錠",
	  "1日3回毎食後", 3, 3, 14 },
	{ "3962002F1023", "メトホルミン塩酸塩錠２５０ｍｇＭＴ「ＤＳＥＰ」",
	  "錠", "1日2回朝夕食後", 2, 4, 30 },
	{ "2189017F1028", "ロスバスタチン錠２．５ｍｇ「ＤＳＥＰ」", "錠",
	  "1日1回夕食後", 1, 1, 30 },
	{ "1141007F1063", "カロナール錠２００", "錠", "疼痛時", 1, 2, 5 },
	{ "2233002F1030", "カルボシステイン錠５００ｍｇ「サワイ」", "錠",
	  "1日3回毎食後", 3, 3, 7 },
	{ "4490023F1027", "フェキソフェナジン塩酸塩錠６０ｍｇ「ＥＥ」", "錠",
	  "1日2回朝夕食後", 2, 2, 14 },
	{ "2329023F2020", "ランソプラゾールＯＤ錠１５ｍｇ「トーワ」", "錠",
	  "1日1回朝食前", 1, 1, 28 },
	{ "2344009F1048", "酸化マグネシウム錠３３０ｍｇ「ケンエー」", "錠",
	  "1日3回毎食後", 3, 3, 14 },
	{ "5200013D1085", "ツムラ葛根湯エキス顆粒（医療用）", "包",
	  "1日3回毎食前", 3, 3, 5 },
	{ "3339950M1025", "ヘパリン類似物質油性クリーム０．３％「ニットー」",
	  "ｇ", "1日2回患部に塗布", 25, 50, 1 },
	{ "4490026F1022", "モンテルカスト錠１０ｍｇ「ＫＭ」", "錠",
	  "1日1回就寝前", 1, 1, 30 },
	{ "6149003F1143", "クラリスロマイシン錠２００ｍｇ「サワイ」", "錠",
	  "1日2回朝夕食後", 2, 2, 7 },
	{ "1124023F1025", "ゾルピデム酒石酸塩錠５ｍｇ「サワイ」", "錠",
	  "1日1回就寝前", 1, 1, 14 },
	{ "2149044F1030", "オルメサルタン錠２０ｍｇ「ＤＳＥＰ」", "錠",
	  "1日1回朝食後", 1, 1, 30 },
};

static const char *const pharmacies[] = {
	"あおば薬局　新宿店",     "ひまわり調剤薬局",
	"みどり薬局　髙山店",     "こすもす薬局　千代田店",
	"つばさ薬局　横浜駅前店", "オンシ調剤薬局",
};

static const char *const institutions[] = {
	"オンシ内科クリニック", "さくら整形外科", "髙橋耳鼻咽喉科医院",
	"みなと総合病院",       "あさひ皮膚科",   "医療法人社団㈱記念病院",
};

static const char *const checkup_sites[] = {
	"オンシ健診センター",
	"みなと総合病院　健診部",
	"髙山市保健センター",
	"さくら予防医学協会",
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

int qsd_health_consented(const struct qsd_record *r, int drug)
{
	return r->person_id % 20 != (drug ? 5u : 6u);
}

static unsigned draw(uint64_t *rng, unsigned n)
{
	return (unsigned)(qsd_rand_next(rng) % n);
}

void qsd_days_before(const char *anchor, unsigned days, char out[9])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	out[0] = '\0';
	if (anchor == NULL || strlen(anchor) != 8 ||
	    sscanf(anchor, "%4d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday -= (int)days;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, 9, "%Y%m%d", &tm);
}

static int set_fmt(char **field, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int set_fmt(char **field, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return onshi_msg_set(field, buf);
}

/* Two to four visits in the last 180 days, one to three drugs each. */
static int fill_drugs(const struct qsd_record *r, const char *anchor,
		      struct onshi_info_result *res)
{
	uint64_t rng = 0xd7a9u ^ ((uint64_t)r->person_id << 20);
	unsigned visits = 2 + draw(&rng, 3), back = 180;
	int rc = ONSHI_OK;

	for (unsigned v = 0; v < visits && rc == ONSHI_OK; v++) {
		const char *inst = institutions[draw(&rng, N_ELEMS(institutions))];
		const char *pharm = pharmacies[draw(&rng, N_ELEMS(pharmacies))];
		unsigned n = 1 + draw(&rng, 3);
		char date[9];

		back -= draw(&rng, back / (visits - v) + 1);
		qsd_days_before(anchor, back, date);
		for (unsigned i = 0; i < n && rc == ONSHI_OK; i++) {
			const struct drug *d = &drugs[draw(&rng, N_ELEMS(drugs))];
			struct onshi_drug_info *e = onshi_info_result_add_drug(res);

			if (e == NULL)
				return ONSHI_ENOMEM;
			rc = onshi_msg_set(&e->dispensing_date, date[0] ? date : NULL);
			rc = rc ? rc
				: onshi_msg_set(&e->prescribing_institution_name,
						inst);
			rc = rc ? rc : onshi_msg_set(&e->pharmacy_name, pharm);
			rc = rc ? rc : onshi_msg_set(&e->drug_code, d->code);
			rc = rc ? rc : onshi_msg_set(&e->drug_name, d->name);
			rc = rc ? rc
				: set_fmt(&e->quantity, "%u",
					  d->qty_min + draw(&rng, d->qty_max - d->qty_min +
									  1));
			rc = rc ? rc : onshi_msg_set(&e->unit, d->unit);
			rc = rc ? rc : onshi_msg_set(&e->usage, d->usage);
			rc = rc ? rc
				: set_fmt(&e->dosage_days, "%u",
					  d->days_max == 1
						  ? 1
						  : 5 + draw(&rng, d->days_max - 4));
		}
	}
	return rc;
}

/* One check-up a year for the last three years, for persons 40 and over. */
static int fill_checkups(const struct qsd_record *r, const char *anchor,
			 struct onshi_info_result *res)
{
	uint64_t rng = 0x7cc1u ^ ((uint64_t)r->person_id << 20);
	int male = r->sex[0] == '1';
	unsigned height10 = male ? 1600 + draw(&rng, 250) : 1480 + draw(&rng, 220);
	unsigned bmi10 = 185 + draw(&rng, 120), day = 30 + draw(&rng, 300);
	const char *site = checkup_sites[draw(&rng, N_ELEMS(checkup_sites))];
	int rc = ONSHI_OK;

	for (unsigned y = 0; y < 3 && rc == ONSHI_OK; y++) {
		struct onshi_checkup_info *c = onshi_info_result_add_checkup(res);
		unsigned b = bmi10 + draw(&rng, 11) - 5, w10, sys, dia, a1c, judge;
		int ac10;
		char date[9];

		if (c == NULL)
			return ONSHI_ENOMEM;
		/* BMI = kg / m²: weight in 0.1 kg from BMI×10 and height in mm */
		w10 = (unsigned)((double)b * height10 * height10 / 1e6 + 0.5);
		sys = 105 + draw(&rng, 50) + (b > 250 ? 10 : 0);
		dia = 62 + draw(&rng, 30) + (b > 250 ? 5 : 0);
		a1c = 50 + draw(&rng, 16) + (b > 270 ? 4 : 0);
		judge = b >= 250 && (sys >= 130 || a1c >= 56) ? 1
			: b >= 250                            ? 2
							      : 3;
		qsd_days_before(anchor, day + 365 * y, date);
		rc = onshi_msg_set(&c->examination_date, date[0] ? date : NULL);
		rc = rc ? rc : onshi_msg_set(&c->examination_institution_name, site);
		rc = rc ? rc
			: set_fmt(&c->height, "%u.%u", height10 / 10, height10 % 10);
		rc = rc ? rc : set_fmt(&c->weight, "%u.%u", w10 / 10, w10 % 10);
		rc = rc ? rc : set_fmt(&c->bmi, "%u.%u", b / 10, b % 10);
		ac10 = (male ? 800 : 760) + ((int)b - 220) * 25 / 10 +
		       (int)draw(&rng, 60);
		rc = rc ? rc
			: set_fmt(&c->abdominal_circumference, "%d.%d",
				  ac10 / 10, ac10 % 10);
		rc = rc ? rc : set_fmt(&c->systolic_blood_pressure, "%u", sys);
		rc = rc ? rc : set_fmt(&c->diastolic_blood_pressure, "%u", dia);
		rc = rc ? rc : set_fmt(&c->hba1c, "%u.%u", a1c / 10, a1c % 10);
		rc = rc ? rc
			: set_fmt(&c->fasting_blood_sugar, "%u",
				  85 + (a1c - 50) * 3 + draw(&rng, 15));
		rc = rc ? rc
			: set_fmt(&c->ldl_cholesterol, "%u", 90 + draw(&rng, 80));
		rc = rc ? rc
			: set_fmt(&c->hdl_cholesterol, "%u", 38 + draw(&rng, 45));
		rc = rc ? rc
			: set_fmt(&c->triglyceride, "%u", 60 + draw(&rng, 160));
		rc = rc ? rc : set_fmt(&c->ast, "%u", 14 + draw(&rng, 25));
		rc = rc ? rc : set_fmt(&c->alt, "%u", 10 + draw(&rng, 35));
		rc = rc ? rc
			: set_fmt(&c->gamma_gtp, "%u",
				  15 + draw(&rng, male ? 80 : 30));
		rc = rc ? rc
			: set_fmt(&c->metabolic_syndrome_judgement, "%u", judge);
	}
	return rc;
}

int qsd_health_fill(const struct qsd_record *r, int drug, const char *anchor,
		    struct onshi_info_result *res)
{
	int rc;

	rc = onshi_msg_set(&res->result_code, "1");
	if (rc != ONSHI_OK)
		return rc;
	if (drug)
		return fill_drugs(r, anchor, res);
	/* 特定健診 is for the insured aged 40 to 74. */
	if (anchor != NULL && strlen(anchor) == 8 &&
	    atoi(anchor) / 10000 - atoi(r->birthdate) / 10000 < 40)
		return onshi_msg_set(&res->message_contents,
				     "該当する特定健診情報はありません");
	return fill_checkups(r, anchor, res);
}
