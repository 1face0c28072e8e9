/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_check.c — the rules that tie a document's elements together,
 * which no element table can say: an inquiry's search info or card
 * authentication as its ReferenceClassification demands, each
 * authentication method's own fields, a period batch's period, reference
 * numbers, a batch that is not empty, a fetch's ReceptionNumber. Checked on
 * parse and before writing. Apart from xmlmsg_schema.c, which is
 * declarative tables only: these are rules written as code.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "xmlmsg_internal.h"

/* Is from..to a range (either may be absent, not both), from <= to? */
static int check_range(const char *what, const char *from, const char *to,
		       char *msg, size_t msglen)
{
	if ((from == NULL || from[0] == '\0') && (to == NULL || to[0] == '\0'))
		return 0;
	if (from == NULL || from[0] == '\0' || to == NULL || to[0] == '\0') {
		onshi_set_msg(msg, msglen,
			      "%sDateFrom and %sDateTo go together: give both",
			      what, what);
		return -1;
	}
	if (strcmp(from, to) > 0) {
		onshi_set_msg(msg, msglen, "%sDateFrom %s is after %sDateTo %s",
			      what, from, what, to);
		return -1;
	}
	return 1;
}

/*
 * A period batch names its period: online and home-visit care by
 * examination dates or consent dates (either, or both), medical aid by
 * MedicalTreatmentMonth. MedicalTreatmentFlag, when given, is an OQSCD028
 * code (1 outpatient, 2 home visit, 3 online care, 4 emergency).
 */
static int check_period(enum onshi_msg_kind kind,
			const struct onshi_period_search *p, char *msg, size_t msglen)
{
	const char *flg = p->medical_treatment_flag,
		   *month = p->medical_treatment_month;
	int exam, cons;

	if (flg != NULL && flg[0] != '\0' && (flg[0] < '1' || flg[0] > '4')) {
		onshi_set_msg(msg, msglen,
			      "MedicalTreatmentFlag '%s' is not 1-4 (OQSCD028: "
			      "1 outpatient, 2 home visit, 3 online care, 4 emergency)",
			      flg);
		return ONSHI_EINVAL;
	}
	exam = check_range("Examination", p->examination_date_from,
			   p->examination_date_to, msg, msglen);
	cons = exam < 0 ? 0
			: check_range("Consent", p->consent_date_from,
				      p->consent_date_to, msg, msglen);
	if (exam < 0 || cons < 0)
		return ONSHI_EINVAL;
	if (month != NULL && month[0] != '\0' &&
	    (strncmp(month + 4, "01", 2) < 0 || strncmp(month + 4, "12", 2) > 0)) {
		onshi_set_msg(msg, msglen,
			      "MedicalTreatmentMonth '%s' is not YYYYMM", month);
		return ONSHI_EINVAL;
	}
	if (kind == ONSHI_MSG_MEDAID_BULK_REQUEST &&
	    (month == NULL || month[0] == '\0')) {
		onshi_set_msg(msg, msglen,
			      "required element MedicalTreatmentMonth (YYYYMM) is "
			      "missing from QualificationConfirmSearchInfo (a medical-aid batch)");
		return ONSHI_EINVAL;
	}
	if (kind != ONSHI_MSG_MEDAID_BULK_REQUEST && !exam && !cons) {
		onshi_set_msg(msg, msglen,
			      "QualificationConfirmSearchInfo names no period: give "
			      "ExaminationDateFrom/To or ConsentDateFrom/To");
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

/* A ReferenceNumber: 1-20 of [0-9A-Za-z-]. */
static int check_refnum(const struct onshi_refnum_info *ri, char *msg, size_t msglen)
{
	const char *r = ri->reference_number;
	size_t n = r != NULL ? strlen(r) : 0;

	if (n == 0 || n > ONSHI_REFNUM_MAX ||
	    strspn(r, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") !=
		    n) {
		onshi_set_msg(msg, msglen,
			      "ReferenceNumber must be 1 to %d letters, digits or '-'",
			      ONSHI_REFNUM_MAX);
		return ONSHI_EINVAL;
	}
	return ONSHI_OK;
}

/* Rules that tie elements together, checked on parse and before writing. */
int xmsg_check_document(const struct onshi_msg *m, char *msg, size_t msglen)
{
	const struct onshi_inquiry_request *iq = &m->u.inquiry_request;
	const struct onshi_card_auth *ca = &iq->card_auth;

	switch (m->kind) {
	case ONSHI_MSG_INQUIRY_REQUEST:
		if (iq->hdr.reference_classification != ONSHI_REFCLASS_MYNUMBER &&
		    !iq->has_search) {
			onshi_set_msg(msg, msglen,
				      "required element QualificationConfirmSearchInfo "
				      "is missing from MessageBody (an insurance card inquiry)");
			return ONSHI_EINVAL;
		}
		if (iq->hdr.reference_classification == ONSHI_REFCLASS_MYNUMBER &&
		    !iq->has_card_auth) {
			onshi_set_msg(msg, msglen,
				      "required element CardAuthentication is missing "
				      "from MessageBody (ReferenceClassification 1, My Number Card)");
			return ONSHI_EINVAL;
		}
		if (!iq->has_card_auth)
			break;
		if (ca->method == ONSHI_AUTH_PIN &&
		    (ca->signature == NULL || ca->signature[0] == '\0')) {
			onshi_set_msg(msg, msglen,
				      "CardAuthentication by PIN has no Signature");
			return ONSHI_EINVAL;
		}
		if (ca->method == ONSHI_AUTH_FACE &&
		    (ca->attestation == NULL || ca->attestation[0] == '\0' ||
		     ca->reader_certificate == NULL ||
		     ca->reader_certificate[0] == '\0')) {
			onshi_set_msg(msg, msglen,
				      "CardAuthentication by face needs ReaderAttestation "
				      "and ReaderCertificate");
			return ONSHI_EINVAL;
		}
		if (ca->method == ONSHI_AUTH_VISUAL &&
		    (ca->operator_id == NULL || ca->operator_id[0] == '\0')) {
			onshi_set_msg(msg, msglen,
				      "CardAuthentication by visual check has no OperatorId");
			return ONSHI_EINVAL;
		}
		break;
	case ONSHI_MSG_REFNUM_REQUEST:
		return check_refnum(&m->u.refnum_request.info, msg, msglen);
	case ONSHI_MSG_REFNUM_BULK_REQUEST:
		if (m->u.refnum_bulk_request.n_info == 0) {
			onshi_set_msg(msg, msglen,
				      "MessageBody holds no ReferenceNumberRegistrationInfo");
			return ONSHI_EINVAL;
		}
		for (size_t i = 0; i < m->u.refnum_bulk_request.n_info; i++)
			if (check_refnum(&m->u.refnum_bulk_request.info[i], msg,
					 msglen) != ONSHI_OK)
				return ONSHI_EINVAL;
		break;
	case ONSHI_MSG_ONLINE_BULK_REQUEST:
	case ONSHI_MSG_HOMEVISIT_BULK_REQUEST:
	case ONSHI_MSG_MEDAID_BULK_REQUEST:
		return check_period(m->kind, &m->u.period_bulk_request.search,
				    msg, msglen);
	case ONSHI_MSG_BULK_FETCH:
	case ONSHI_MSG_ONLINE_BULK_FETCH:
	case ONSHI_MSG_HOMEVISIT_BULK_FETCH:
	case ONSHI_MSG_MEDAID_BULK_FETCH:
	case ONSHI_MSG_REFNUM_BULK_FETCH: {
		const char *rn = m->u.bulk_fetch.hdr.reception_number;

		if (rn == NULL || rn[strspn(rn, " \t\r\n")] == '\0') {
			onshi_set_msg(msg, msglen,
				      "required element ReceptionNumber is missing "
				      "(give it in MessageBody or in MessageHeader)");
			return ONSHI_EINVAL;
		}
		break;
	}
	case ONSHI_MSG_BULK_REQUEST:
		if (m->u.bulk_request.n_search == 0) {
			onshi_set_msg(msg, msglen,
				      "MessageBody holds no QualificationConfirmSearchInfo");
			return ONSHI_EINVAL;
		}
		break;
	default: break;
	}
	return ONSHI_OK;
}
