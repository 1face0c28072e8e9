/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmlmsg_schema.c — the element tables of the XmlMsg kinds.
 *
 * Element order here is the order the writer emits and the order the XSDs
 * in etc/xsd expect where they use sequences; the parser accepts any order.
 * Length limits are generous for real data and small enough that a hostile
 * file cannot make us hold much.
 *
 * Why one file of ~750 lines: it is declarative — element tables, the
 * table of batch families, and the two lookups that reach them (xmsg_root()
 * and onshi_msg_kind_name()); the rules written as code are in
 * xmlmsg_check.c. The nodes point at each other (a root at its header and
 * body, a body at its lists) and the header and search nodes serve most
 * kinds: split by kind, they would become externs across files with the
 * macros in a header, and checking one kind against its XSD would mean
 * reading several files. Here each kind reads top to bottom like its XSD.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "xmlmsg_internal.h"

static const int segment_codes[] = { 1, 2, 9, 0 };
static const int status_codes[] = { 1, 2, 0 };
static const int validity_codes[] = { 1, 2, 3, 4, 5, 6, 0 };
static const int refclass_codes[] = { 1, 2, 0 };
static const char *const token_words[] = { "card", "smartphone", NULL };
static const char *const method_words[] = { "face", "pin", "visual", NULL };

#define STR(nm, st, m, fl, mx)                                               \
	{                                                                    \
		.name = nm, .type = XT_STR, .flags = fl,                     \
		.off = offsetof(st, m), .maxlen = mx, .has_off = XF_NONE_OFF \
	}
#define TYPED(nm, ty, st, m, fl, mn, mx)                                     \
	{                                                                    \
		.name = nm, .type = ty, .flags = fl, .off = offsetof(st, m), \
		.minlen = mn, .maxlen = mx, .has_off = XF_NONE_OFF           \
	}
#define CODE(nm, st, m, fl, tbl)                                             \
	{                                                                    \
		.name = nm, .type = XT_CODE, .flags = fl,                    \
		.off = offsetof(st, m), .codes = tbl, .has_off = XF_NONE_OFF \
	}
#define WORD(nm, st, m, fl, tbl)                                             \
	{                                                                    \
		.name = nm, .type = XT_KEYWORD, .flags = fl,                 \
		.off = offsetof(st, m), .words = tbl, .has_off = XF_NONE_OFF \
	}
#define GROUP(nm, st, m, fl, node, has)                              \
	{                                                            \
		.name = nm, .type = XT_GROUP, .flags = fl, .off = m, \
		.sub = &node, .has_off = has                         \
	}
#define LIST(nm, st, arr, cnt, elem, node)                             \
	{                                                              \
		.name = nm, .type = XT_LIST, .off = offsetof(st, arr), \
		.sub = &node, .count_off = offsetof(st, cnt),          \
		.elem_size = sizeof(elem), .has_off = XF_NONE_OFF      \
	}
#define NODE(nm, tbl)                                    \
	{                                                \
		.name = nm, .fields = tbl,               \
		.n_fields = sizeof(tbl) / sizeof(tbl[0]) \
	}

/* ---- QualificationConfirmSearchInfo ---- */
#define SI struct onshi_search_info
static const struct xmsg_field search_fields[] = {
	TYPED("InsurerNumber", XT_INSURER, SI, insurer_number, XF_REQUIRED, 8, 8),
	STR("InsuredCardSymbol", SI, insured_card_symbol, 0, 80),
	STR("InsuredIdentificationNumber", SI, insured_identification_number,
	    XF_REQUIRED, 80),
	TYPED("InsuredBranchNumber", XT_DIGITS, SI, insured_branch_number, 0, 0, 2),
	TYPED("Birthdate", XT_DATE, SI, birthdate, XF_REQUIRED, 8, 8),
	TYPED("LimitApplicationCertificateRelatedConsFlg", XT_DIGITS, SI,
	      limit_application_cons_flg, 0, 0, 1),
};
/* The search info is echoed as the client wrote it (message.h). */
const struct xmsg_node xmsg_search_node = {
	.name = "QualificationConfirmSearchInfo",
	.fields = search_fields,
	.n_fields = sizeof(search_fields) / sizeof(search_fields[0]),
	.keeps_sent = 1,
	.sent_off = offsetof(SI, sent),
	.n_sent_off = offsetof(SI, n_sent),
};
#undef SI

/* ---- CardAuthentication (onshi's profile) ---- */
#define CA struct onshi_card_auth
#define CONSENT(nm, k)                                                  \
	{                                                               \
		.name = nm, .type = XT_CONSENT,                         \
		.off = offsetof(CA, consent[k]), .has_off = XF_NONE_OFF \
	}
static const struct xmsg_field card_auth_fields[] = {
	WORD("TokenType", CA, token_type, XF_REQUIRED, token_words),
	WORD("AuthMethod", CA, method, XF_REQUIRED, method_words),
	TYPED("Certificate", XT_BASE64, CA, certificate, XF_REQUIRED, 1, 16384),
	STR("Nonce", CA, nonce, XF_REQUIRED, 256),
	TYPED("Signature", XT_BASE64, CA, signature, 0, 0, 4096),
	TYPED("ReaderAttestation", XT_BASE64, CA, attestation, 0, 0, 4096),
	TYPED("ReaderCertificate", XT_BASE64, CA, reader_certificate, 0, 0, 16384),
	STR("OperatorId", CA, operator_id, 0, 64),
	CONSENT("PharmacistsInfoConsFlg", ONSHI_CONSENT_PHARMACISTS),
	/* The other spelling (docs/national-api.md), read only. */
	{ .name = "PharmaceuticalInfoConsFlg",
	  .type = XT_CONSENT,
	  .flags = XF_ALIAS,
	  .off = offsetof(CA, consent[ONSHI_CONSENT_PHARMACISTS]),
	  .has_off = XF_NONE_OFF,
	  .home = "PharmacistsInfoConsFlg" },
	CONSENT("SpecificHealthCheckupsInfoConsFlg",
		ONSHI_CONSENT_SPECIFIC_HEALTH_CHECKUPS),
	CONSENT("DiagnosisInfoConsFlg", ONSHI_CONSENT_DIAGNOSIS),
	CONSENT("OperationInfoConsFlg", ONSHI_CONSENT_OPERATION),
};
#undef CONSENT
#undef CA
static const struct xmsg_node card_auth_node = NODE("CardAuthentication",
						    card_auth_fields);

/* ---- the certificate blocks of a record ---- */
#define EC struct onshi_elderly_certificate
static const struct xmsg_field elderly_fields[] = {
	STR("ElderlyRecipientCertificateDate", EC, certificate_date, 0, 16),
	STR("ElderlyRecipientValidStartDate", EC, valid_start_date, 0, 16),
	STR("ElderlyRecipientValidEndDate", EC, valid_end_date, 0, 16),
	STR("ElderlyRecipientContributionRatio", EC, contribution_ratio, 0, 16),
};
#undef EC
static const struct xmsg_node elderly_node = NODE("ElderlyRecipientCertificateInfo",
						  elderly_fields);

#define LC struct onshi_limit_certificate
static const struct xmsg_field limit_fields[] = {
	STR("LimitApplicationCertificateClassification", LC, classification, 0, 16),
	STR("LimitApplicationCertificateClassificationFlag", LC,
	    classification_flag, 0, 16),
	STR("LimitApplicationCertificateDate", LC, certificate_date, 0, 16),
	STR("LimitApplicationCertificateValidStartDate", LC, valid_start_date, 0, 16),
	STR("LimitApplicationCertificateValidEndDate", LC, valid_end_date, 0, 16),
	STR("LimitApplicationCertificateLongTermDate", LC, long_term_date, 0, 16),
};
#undef LC
static const struct xmsg_node limit_node =
	NODE("LimitApplicationCertificateRelatedInfo", limit_fields);

#define SD struct onshi_specific_disease_certificate
static const struct xmsg_field disease_fields[] = {
	STR("SpecificDiseasesDiseaseCategory", SD, disease_category, 0, 16),
	STR("SpecificDiseasesCertificateDate", SD, certificate_date, 0, 16),
	STR("SpecificDiseasesValidStartDate", SD, valid_start_date, 0, 16),
	STR("SpecificDiseasesValidEndDate", SD, valid_end_date, 0, 16),
	STR("SpecificDiseasesSelfPay", SD, self_pay, 0, 16),
};
#undef SD
static const struct xmsg_node disease_node = NODE("SpecificDiseasesCertificateInfo",
						  disease_fields);

#define MT struct onshi_medical_ticket
static const struct xmsg_field ticket_fields[] = {
	STR("TicketType", MT, ticket_type, 0, 16),
	STR("MedicalTicketValidDate", MT, valid_date, 0, 16),
	STR("MedicalTicketExpirationDate", MT, expiration_date, 0, 16),
	STR("IssueNumber", MT, issue_number, 0, 64),
	STR("MedicalTreatmentMonth", MT, medical_treatment_month, 0, 16),
	STR("DesignatedMedicalInstitutionCode", MT, designated_institution_code,
	    0, 16),
	STR("DesignatedMedicalInstitutionName", MT, designated_institution_name,
	    0, 256),
	STR("SelfPayAmount", MT, self_pay_amount, 0, 16),
	STR("DistrictContactName", MT, district_contact_name, 0, 256),
	STR("HandlingContactName", MT, handling_contact_name, 0, 256),
	STR("Remarks1", MT, remarks1, 0, 256),
};
#undef MT
static const struct xmsg_node ticket_node = NODE("MedicalTicketInfo", ticket_fields);

/* The two lists are wrapped: their wrapper maps onto the record itself. */
static const struct xmsg_field disease_list_fields[] = {
	LIST("SpecificDiseasesCertificateInfo", struct onshi_qualification,
	     specific_diseases, n_specific_diseases,
	     struct onshi_specific_disease_certificate, disease_node),
};
static const struct xmsg_node disease_list_node =
	NODE("SpecificDiseasesCertificateList", disease_list_fields);
static const struct xmsg_field ticket_list_fields[] = {
	LIST("MedicalTicketInfo", struct onshi_qualification, medical_tickets,
	     n_medical_tickets, struct onshi_medical_ticket, ticket_node),
};
static const struct xmsg_node ticket_list_node = NODE("PublicExpenseResultList",
						      ticket_list_fields);

/* ---- ResultOfQualificationConfirmation ---- */
#define QU struct onshi_qualification
#define QS(nm, m) STR(nm, QU, m, 0, 256)
#define CONSENT3(pfx, k)                                             \
	STR(pfx "InfoConsFlg", QU, consent[k].flg, 0, 16),           \
		STR(pfx "InfoConsTime", QU, consent[k].time, 0, 16), \
		STR(pfx "InfoAvailableTime", QU, consent[k].available_time, 0, 16)
/* Another spelling of a consent element, read into the same slot and
 * never written (docs/national-api.md, "Consent spellings"). */
#define SPELLING(nm, m, written)                                              \
	{                                                                     \
		.name = nm, .type = XT_STR, .flags = XF_ALIAS,                \
		.off = offsetof(QU, m), .maxlen = 16, .has_off = XF_NONE_OFF, \
		.home = written                                               \
	}
static const struct xmsg_field qualification_fields[] = {
	QS("InsuredCardClassification", insured_card_classification),
	TYPED("InsurerNumber", XT_INSURER, QU, insurer_number, 0, 8, 8),
	QS("InsuredCardSymbol", insured_card_symbol),
	QS("InsuredIdentificationNumber", insured_identification_number),
	QS("InsuredBranchNumber", insured_branch_number),
	QS("PersonalFamilyClassification", personal_family_classification),
	QS("InsuredName", insured_name),
	QS("Name", name),
	QS("NameOfOther", name_of_other),
	QS("NameKana", name_kana),
	QS("NameOfOtherKana", name_of_other_kana),
	QS("Sex1", sex1),
	QS("Sex2", sex2),
	QS("Birthdate", birthdate),
	QS("Address", address),
	QS("PostNumber", post_number),
	QS("InsuredCertificateIssuanceDate", insured_certificate_issuance_date),
	QS("InsuredCardValidDate", insured_card_valid_date),
	QS("InsuredCardExpirationDate", insured_card_expiration_date),
	QS("QualificationDate", qualification_date),
	QS("DisqualificationDate", disqualification_date),
	QS("InsuredPartialContributionRatio", insured_partial_contribution_ratio),
	QS("PreschoolClassification", preschool_classification),
	QS("ReasonOfLoss", reason_of_loss),
	QS("InsurerName", insurer_name),
	CONSENT3("Pharmacists", ONSHI_CONSENT_PHARMACISTS),
	CONSENT3("SpecificHealthCheckups", ONSHI_CONSENT_SPECIFIC_HEALTH_CHECKUPS),
	CONSENT3("Diagnosis", ONSHI_CONSENT_DIAGNOSIS),
	CONSENT3("Operation", ONSHI_CONSENT_OPERATION),
	/* Appended in ABI 1.3 with the fields of the same names. */
	GROUP("ElderlyRecipientCertificateInfo", QU, offsetof(QU, elderly), 0,
	      elderly_node, XF_NONE_OFF),
	STR("LimitApplicationCertificateRelatedConsFlg", QU, limit_cons_flg, 0, 16),
	STR("LimitApplicationCertificateRelatedConsTime", QU, limit_cons_time, 0, 16),
	GROUP("LimitApplicationCertificateRelatedInfo", QU, offsetof(QU, limit),
	      0, limit_node, XF_NONE_OFF),
	STR("SpecificDiseasesCertificateRelatedConsFlg", QU,
	    specific_diseases_cons_flg, 0, 16),
	STR("SpecificDiseasesCertificateRelatedConsTime", QU,
	    specific_diseases_cons_time, 0, 16),
	GROUP("SpecificDiseasesCertificateList", QU, 0, 0, disease_list_node,
	      XF_NONE_OFF),
	GROUP("PublicExpenseResultList", QU, 0, 0, ticket_list_node, XF_NONE_OFF),
	QS("ReferenceNumber", reference_number),
	STR("LimitApplicationCertificateChanged", QU, limit_certificate_changed,
	    0, 16),
	QS("QualificationConfirmationKey", qualification_confirmation_key),
	SPELLING("PharmaceuticalInfoConsFlg",
		 consent[ONSHI_CONSENT_PHARMACISTS].flg, "PharmacistsInfoConsFlg"),
	SPELLING("PharmaceuticalInfoConsTime",
		 consent[ONSHI_CONSENT_PHARMACISTS].time, "PharmacistsInfoConsTime"),
	SPELLING("PharmaceuticalInfoAvailableTime",
		 consent[ONSHI_CONSENT_PHARMACISTS].available_time,
		 "PharmacistsInfoAvailableTime"),
	SPELLING("PharmaceuticalInfoAcquisitionTime",
		 consent[ONSHI_CONSENT_PHARMACISTS].available_time,
		 "PharmacistsInfoAvailableTime"),
	SPELLING("PharmacistsInfoAcquisitionTime",
		 consent[ONSHI_CONSENT_PHARMACISTS].available_time,
		 "PharmacistsInfoAvailableTime"),
	SPELLING("SpecificHealthCheckupsInfoAcquisitionTime",
		 consent[ONSHI_CONSENT_SPECIFIC_HEALTH_CHECKUPS].available_time,
		 "SpecificHealthCheckupsInfoAvailableTime"),
	SPELLING("DiagnosisInfoAcquisitionTime",
		 consent[ONSHI_CONSENT_DIAGNOSIS].available_time,
		 "DiagnosisInfoAvailableTime"),
	SPELLING("OperationInfoAcquisitionTime",
		 consent[ONSHI_CONSENT_OPERATION].available_time,
		 "OperationInfoAvailableTime"),
};
#undef SPELLING
#undef CONSENT3
#undef QS
#undef QU
const struct xmsg_node xmsg_qualification_node =
	NODE("ResultOfQualificationConfirmation", qualification_fields);

/* ---- request headers ---- */
#define RQ struct onshi_req_header
#define REQ_HEADER_COMMON(dateflags)                                          \
	TYPED("QualificationConfirmationDate", XT_DATE, RQ,                   \
	      qualification_confirmation_date, dateflags, 8, 8),              \
		TYPED("MedicalInstitutionCode", XT_DIGITS, RQ,                \
		      medical_institution_code, XF_REQUIRED, 10, 10),         \
		STR("ArbitraryFileIdentifier", RQ, arbitrary_file_identifier, \
		    0, 256),                                                  \
		CODE("ReferenceClassification", RQ, reference_classification, \
		     0, refclass_codes),                                      \
		STR("ReceptionNumber", RQ, reception_number, 0, 64)
/* Every header lists every header field, so all of them are freed. */
static const struct xmsg_field req_header_fields[] = {
	REQ_HEADER_COMMON(XF_REQUIRED),
};
/* Batch headers of real clients hold only MedicalInstitutionCode (and
 * ArbitraryFileIdentifier); the phase 2 ReceptionNumber may come in the
 * body instead (xmsg_check_document wants it in one of the two). */
static const struct xmsg_field batch_header_fields[] = {
	REQ_HEADER_COMMON(XF_TODAY),
};
#undef REQ_HEADER_COMMON
#undef RQ
static const struct xmsg_node req_header_node = NODE("MessageHeader",
						     req_header_fields);
static const struct xmsg_node batch_header_node = NODE("MessageHeader",
						       batch_header_fields);

/* ---- result headers ---- */
#define RS struct onshi_res_header
#define RES_HEADER_COMMON(errflags)                                            \
	TYPED("ProcessExecutionTime", XT_DATETIME, RS, process_execution_time, \
	      0, 14, 14),                                                      \
		{ .name = "CharacterCodeIdentifier",                           \
		  .type = XT_CHARSET,                                          \
		  .flags = XF_ALWAYS,                                          \
		  .off = offsetof(RS, character_code),                         \
		  .has_off = XF_NONE_OFF },                                    \
		CODE("SegmentOfResult", RS, segment_of_result, XF_REQUIRED,    \
		     segment_codes),                                           \
		STR("ErrorCode", RS, error_code, errflags, 64),                \
		STR("ErrorMessage", RS, error_message, errflags, 1024),        \
		TYPED("QualificationConfirmationDate", XT_DATE, RS,            \
		      qualification_confirmation_date, 0, 8, 8),               \
		CODE("ReferenceClassification", RS, reference_classification,  \
		     0, refclass_codes),                                       \
		STR("ArbitraryFileIdentifier", RS, arbitrary_file_identifier,  \
		    0, 256),                                                   \
		TYPED("MedicalInstitutionCode", XT_DIGITS, RS,                 \
		      medical_institution_code, 0, 10, 10),                    \
		STR("ReceptionNumber", RS, reception_number, 0, 64)
#define COUNT(nm, m)                                              \
	{                                                         \
		.name = nm, .type = XT_COUNT, .flags = XF_ALWAYS, \
		.off = offsetof(RS, m), .has_off = XF_NONE_OFF    \
	}
static const struct xmsg_field res_header_fields[] = {
	RES_HEADER_COMMON(0),
};
static const struct xmsg_field err_header_fields[] = {
	RES_HEADER_COMMON(XF_REQUIRED),
};
static const struct xmsg_field bulk_res_header_fields[] = {
	RES_HEADER_COMMON(0),
	COUNT("NumberOfProcessingResult", number_of_processing_result),
	COUNT("NumberOfNormalProcessing", number_of_normal_processing),
	COUNT("NumberOfError", number_of_error),
};
#undef COUNT
#undef RES_HEADER_COMMON
#undef RS
static const struct xmsg_node res_header_node = NODE("MessageHeader",
						     res_header_fields);
static const struct xmsg_node err_header_node = NODE("MessageHeader",
						     err_header_fields);
static const struct xmsg_node bulk_res_header_node = NODE("MessageHeader",
							  bulk_res_header_fields);

/* ---- bodies ---- */
#define PROCESSING(st)                                                          \
	CODE("ProcessingResultStatus", st, processing_result_status, 0,         \
	     status_codes),                                                     \
		STR("ProcessingResultCode", st, processing_result_code, 0, 64), \
		STR("ProcessingResultMessage", st, processing_result_message, 0, 1024)

#define IQ struct onshi_inquiry_request
static const struct xmsg_field inquiry_req_body_fields[] = {
	GROUP("QualificationConfirmSearchInfo", IQ, offsetof(IQ, search), 0,
	      xmsg_search_node, offsetof(IQ, has_search)),
	GROUP("CardAuthentication", IQ, offsetof(IQ, card_auth), 0,
	      card_auth_node, offsetof(IQ, has_card_auth)),
};
static const struct xmsg_node inquiry_req_body = NODE("MessageBody",
						      inquiry_req_body_fields);

#define IR struct onshi_inquiry_result
static const struct xmsg_field result_list_fields[] = {
	LIST("ResultOfQualificationConfirmation", IR, results, n_results,
	     struct onshi_qualification, xmsg_qualification_node),
};
static const struct xmsg_node result_list_node = NODE("ResultList",
						      result_list_fields);
static const struct xmsg_field inquiry_res_body_fields[] = {
	GROUP("QualificationConfirmSearchInfo", IR, offsetof(IR, search), 0,
	      xmsg_search_node, offsetof(IR, has_search)),
	GROUP("ResultList", IR, 0, 0, result_list_node, XF_NONE_OFF),
	PROCESSING(IR),
	CODE("QualificationValidity", IR, qualification_validity, 0, validity_codes),
	STR("PrescriptionIssueSelect", IR, prescription_issue_select, 0, 8),
};
static const struct xmsg_node inquiry_res_body = NODE("MessageBody",
						      inquiry_res_body_fields);

static const struct xmsg_field bulk_req_body_fields[] = {
	LIST("QualificationConfirmSearchInfo", struct onshi_bulk_request,
	     search, n_search, struct onshi_search_info, xmsg_search_node),
};
static const struct xmsg_node bulk_req_body = NODE("MessageBody",
						   bulk_req_body_fields);

static const struct xmsg_field reception_body_fields[] = {
	PROCESSING(struct onshi_bulk_reception),
};
static const struct xmsg_node reception_body = NODE("MessageBody",
						    reception_body_fields);

#define BF struct onshi_bulk_fetch
static const struct xmsg_field fetch_body_fields[] = {
	{ .name = "ReceptionNumber",
	  .type = XT_STR,
	  .flags = XF_ALIAS,
	  .off = offsetof(BF, hdr.reception_number),
	  .maxlen = 64,
	  .has_off = XF_NONE_OFF,
	  .home = "MessageHeader" },
};
#undef BF
static const struct xmsg_node fetch_body = NODE("MessageBody", fetch_body_fields);

#define BU struct onshi_bulk_unit
static const struct xmsg_field unit_fields[] = {
	GROUP("QualificationConfirmSearchInfo", BU, offsetof(BU, search), 0,
	      xmsg_search_node, offsetof(BU, has_search)),
	PROCESSING(BU),
	CODE("QualificationValidity", BU, qualification_validity, 0, validity_codes),
	LIST("ResultOfQualificationConfirmation", BU, results, n_results,
	     struct onshi_qualification, xmsg_qualification_node),
};
static const struct xmsg_node unit_node = NODE("BulkConfirmUnit", unit_fields);
static const struct xmsg_field bulk_res_body_fields[] = {
	LIST("BulkConfirmUnit", struct onshi_bulk_result, units, n_units,
	     struct onshi_bulk_unit, unit_node),
};
static const struct xmsg_node bulk_res_body = NODE("MessageBody",
						   bulk_res_body_fields);

#define ER struct onshi_error_result
static const struct xmsg_field err_body_fields[] = {
	GROUP("QualificationConfirmSearchInfo", ER, offsetof(ER, search), 0,
	      xmsg_search_node, offsetof(ER, has_search)),
};
static const struct xmsg_node err_body = NODE("MessageBody", err_body_fields);

/* ---- drug history and check-up information (YZKsiquc01, TKKsiquc01) ---- */
#define NQ struct onshi_info_request
static const struct xmsg_field info_req_body_fields[] = {
	GROUP("QualificationConfirmSearchInfo", NQ, offsetof(NQ, search),
	      XF_REQUIRED, xmsg_search_node, offsetof(NQ, has_search)),
};
static const struct xmsg_node info_req_body = NODE("MessageBody",
						   info_req_body_fields);

#define DI struct onshi_drug_info
#define DS(nm, m) STR(nm, DI, m, 0, 256)
static const struct xmsg_field drug_fields[] = {
	TYPED("DispensingDate", XT_DATE, DI, dispensing_date, 0, 8, 8),
	DS("PrescribingInstitutionName", prescribing_institution_name),
	DS("DispensingPharmacyName", pharmacy_name),
	DS("DrugCode", drug_code),
	DS("DrugName", drug_name),
	DS("Quantity", quantity),
	DS("Unit", unit),
	DS("Usage", usage),
	DS("DosageDays", dosage_days),
};
#undef DS
#undef DI
static const struct xmsg_node drug_node = NODE("DrugInformation", drug_fields);

#define CK struct onshi_checkup_info
#define CS(nm, m) STR(nm, CK, m, 0, 64)
static const struct xmsg_field checkup_fields[] = {
	TYPED("ExaminationDate", XT_DATE, CK, examination_date, 0, 8, 8),
	STR("ExaminationInstitutionName", CK, examination_institution_name, 0, 256),
	CS("Height", height),
	CS("Weight", weight),
	CS("BMI", bmi),
	CS("AbdominalCircumference", abdominal_circumference),
	CS("SystolicBloodPressure", systolic_blood_pressure),
	CS("DiastolicBloodPressure", diastolic_blood_pressure),
	CS("HbA1c", hba1c),
	CS("FastingBloodSugar", fasting_blood_sugar),
	CS("LDLCholesterol", ldl_cholesterol),
	CS("HDLCholesterol", hdl_cholesterol),
	CS("Triglyceride", triglyceride),
	CS("AST", ast),
	CS("ALT", alt),
	CS("GammaGTP", gamma_gtp),
	CS("MetabolicSyndromeJudgement", metabolic_syndrome_judgement),
};
#undef CS
#undef CK
static const struct xmsg_node checkup_node = NODE("SpecificHealthCheckup",
						  checkup_fields);

#define NR struct onshi_info_result
static const struct xmsg_field drug_list_fields[] = {
	LIST("DrugInformation", NR, drugs, n_drugs, struct onshi_drug_info, drug_node),
};
static const struct xmsg_node drug_list_node = NODE("DrugInformationList",
						    drug_list_fields);
static const struct xmsg_field checkup_list_fields[] = {
	LIST("SpecificHealthCheckup", NR, checkups, n_checkups,
	     struct onshi_checkup_info, checkup_node),
};
static const struct xmsg_node checkup_list_node = NODE("SpecificHealthCheckupList",
						       checkup_list_fields);
#define INFO_RES_COMMON                                                      \
	GROUP("QualificationConfirmSearchInfo", NR, offsetof(NR, search), 0, \
	      xmsg_search_node, offsetof(NR, has_search)),                   \
		STR("ResultCode", NR, result_code, 0, 16),                   \
		STR("MessageContents", NR, message_contents, 0, 1024)
static const struct xmsg_field drug_res_body_fields[] = {
	INFO_RES_COMMON,
	GROUP("DrugInformationList", NR, 0, 0, drug_list_node, XF_NONE_OFF),
};
static const struct xmsg_node drug_res_body = NODE("MessageBody",
						   drug_res_body_fields);
static const struct xmsg_field checkup_res_body_fields[] = {
	INFO_RES_COMMON,
	GROUP("SpecificHealthCheckupList", NR, 0, 0, checkup_list_node, XF_NONE_OFF),
};
static const struct xmsg_node checkup_res_body = NODE("MessageBody",
						      checkup_res_body_fields);
#undef INFO_RES_COMMON

/* ---- batches by period (OQSmuonq01, OQSmuhvq01, OQSmutic01) ---- */
#define PS struct onshi_period_search
static const struct xmsg_field period_search_fields[] = {
	TYPED("MedicalTreatmentFlag", XT_DIGITS, PS, medical_treatment_flag, 0, 1, 1),
	TYPED("ExaminationDateFrom", XT_DATE, PS, examination_date_from, 0, 8, 8),
	TYPED("ExaminationDateTo", XT_DATE, PS, examination_date_to, 0, 8, 8),
	TYPED("ConsentDateFrom", XT_DATE, PS, consent_date_from, 0, 8, 8),
	TYPED("ConsentDateTo", XT_DATE, PS, consent_date_to, 0, 8, 8),
	TYPED("MedicalTreatmentMonth", XT_DIGITS, PS, medical_treatment_month,
	      0, 6, 6),
};
#undef PS
static const struct xmsg_node period_search_node =
	NODE("QualificationConfirmSearchInfo", period_search_fields);
#define PB struct onshi_period_bulk_request
static const struct xmsg_field period_req_body_fields[] = {
	GROUP("QualificationConfirmSearchInfo", PB, offsetof(PB, search),
	      XF_REQUIRED, period_search_node, offsetof(PB, has_search)),
};
#undef PB
static const struct xmsg_node period_req_body = NODE("MessageBody",
						     period_req_body_fields);

/* ---- reference numbers (OQSsiimm01, OQSmuimm01/02) ---- */
#define RI struct onshi_refnum_info
static const struct xmsg_field refnum_info_fields[] = {
	TYPED("InsurerNumber", XT_INSURER, RI, insurer_number, XF_REQUIRED, 8, 8),
	STR("InsuredCardSymbol", RI, insured_card_symbol, 0, 80),
	STR("InsuredIdentificationNumber", RI, insured_identification_number,
	    XF_REQUIRED, 80),
	TYPED("InsuredBranchNumber", XT_DIGITS, RI, insured_branch_number, 0, 0, 2),
	TYPED("Birthdate", XT_DATE, RI, birthdate, XF_REQUIRED, 8, 8),
	STR("ReferenceNumber", RI, reference_number, XF_REQUIRED, ONSHI_REFNUM_MAX),
};
#undef RI
static const struct xmsg_node refnum_info_node =
	NODE("ReferenceNumberRegistrationInfo", refnum_info_fields);
#define RU struct onshi_refnum_unit
static const struct xmsg_field refnum_unit_fields[] = {
	GROUP("ReferenceNumberRegistrationInfo", RU, offsetof(RU, info), 0,
	      refnum_info_node, offsetof(RU, has_info)),
	CODE("ProcessingResultStatus", RU, processing_result_status, 0, status_codes),
	STR("ProcessingResultCode", RU, processing_result_code, 0, 64),
	STR("ProcessingResultMessage", RU, processing_result_message, 0, 1024),
};
#undef RU
static const struct xmsg_node refnum_unit_node =
	NODE("ReferenceNumberRegistrationResult", refnum_unit_fields);
static const struct xmsg_field refnum_req_body_fields[] = {
	GROUP("ReferenceNumberRegistrationInfo", struct onshi_refnum_request,
	      offsetof(struct onshi_refnum_request, info), XF_REQUIRED,
	      refnum_info_node, offsetof(struct onshi_refnum_request, has_info)),
};
static const struct xmsg_node refnum_req_body = NODE("MessageBody",
						     refnum_req_body_fields);
/* OQSsiimm01res: the unit's elements straight in MessageBody */
static const struct xmsg_field refnum_res_body_fields[] = {
	GROUP("ReferenceNumberRegistrationInfo", struct onshi_refnum_result,
	      offsetof(struct onshi_refnum_result, unit.info), 0, refnum_info_node,
	      offsetof(struct onshi_refnum_result, unit.has_info)),
	CODE("ProcessingResultStatus", struct onshi_refnum_result,
	     unit.processing_result_status, 0, status_codes),
	STR("ProcessingResultCode", struct onshi_refnum_result,
	    unit.processing_result_code, 0, 64),
	STR("ProcessingResultMessage", struct onshi_refnum_result,
	    unit.processing_result_message, 0, 1024),
};
static const struct xmsg_node refnum_res_body = NODE("MessageBody",
						     refnum_res_body_fields);
static const struct xmsg_field refnum_bulk_req_body_fields[] = {
	LIST("ReferenceNumberRegistrationInfo", struct onshi_refnum_bulk_request,
	     info, n_info, struct onshi_refnum_info, refnum_info_node),
};
static const struct xmsg_node refnum_bulk_req_body =
	NODE("MessageBody", refnum_bulk_req_body_fields);
static const struct xmsg_field refnum_bulk_res_body_fields[] = {
	LIST("ReferenceNumberRegistrationResult", struct onshi_refnum_bulk_result,
	     units, n_units, struct onshi_refnum_unit, refnum_unit_node),
};
static const struct xmsg_node refnum_bulk_res_body =
	NODE("MessageBody", refnum_bulk_res_body_fields);

/* ---- roots: <XmlMsg><MessageHeader/><MessageBody/></XmlMsg> ---- */
#define ROOT(var, st, hdrnode, bodynode, bodyflags)                            \
	static const struct xmsg_field var##_fields[] = {                      \
		GROUP("MessageHeader", st, offsetof(st, hdr),                  \
		      XF_REQUIRED | XF_ALWAYS, hdrnode, XF_NONE_OFF),          \
		GROUP("MessageBody", st, 0, (bodyflags) | XF_ALWAYS, bodynode, \
		      XF_NONE_OFF),                                            \
	};                                                                     \
	static const struct xmsg_node var = NODE("XmlMsg", var##_fields)

ROOT(inquiry_req_root, IQ, req_header_node, inquiry_req_body, XF_REQUIRED);
ROOT(inquiry_res_root, IR, res_header_node, inquiry_res_body, 0);
ROOT(bulk_req_root, struct onshi_bulk_request, batch_header_node, bulk_req_body,
     XF_REQUIRED);
ROOT(reception_root, struct onshi_bulk_reception, res_header_node, reception_body, 0);
ROOT(fetch_root, struct onshi_bulk_fetch, batch_header_node, fetch_body, 0);
ROOT(bulk_res_root, struct onshi_bulk_result, bulk_res_header_node, bulk_res_body, 0);
ROOT(err_root, ER, err_header_node, err_body, 0);
ROOT(drug_req_root, NQ, batch_header_node, info_req_body, XF_REQUIRED);
ROOT(drug_res_root, NR, res_header_node, drug_res_body, 0);
ROOT(checkup_req_root, NQ, batch_header_node, info_req_body, XF_REQUIRED);
ROOT(checkup_res_root, NR, res_header_node, checkup_res_body, 0);
ROOT(period_req_root, struct onshi_period_bulk_request, batch_header_node,
     period_req_body, XF_REQUIRED);
ROOT(refnum_req_root, struct onshi_refnum_request, batch_header_node,
     refnum_req_body, XF_REQUIRED);
ROOT(refnum_res_root, struct onshi_refnum_result, res_header_node,
     refnum_res_body, 0);
ROOT(refnum_bulk_req_root, struct onshi_refnum_bulk_request, batch_header_node,
     refnum_bulk_req_body, XF_REQUIRED);
ROOT(refnum_bulk_res_root, struct onshi_refnum_bulk_result,
     bulk_res_header_node, refnum_bulk_res_body, 0);
#undef ROOT
#undef NR
#undef NQ
#undef ER
#undef BU
#undef IR
#undef IQ
#undef PROCESSING

static const struct xmsg_batch_family batch_families[] = {
	{ ONSHI_MSG_BULK_REQUEST, ONSHI_MSG_BULK_RECEPTION,
	  ONSHI_MSG_BULK_FETCH, ONSHI_MSG_BULK_RESULT },
	{ ONSHI_MSG_ONLINE_BULK_REQUEST, ONSHI_MSG_ONLINE_BULK_RECEPTION,
	  ONSHI_MSG_ONLINE_BULK_FETCH, ONSHI_MSG_ONLINE_BULK_RESULT },
	{ ONSHI_MSG_HOMEVISIT_BULK_REQUEST, ONSHI_MSG_HOMEVISIT_BULK_RECEPTION,
	  ONSHI_MSG_HOMEVISIT_BULK_FETCH, ONSHI_MSG_HOMEVISIT_BULK_RESULT },
	{ ONSHI_MSG_MEDAID_BULK_REQUEST, ONSHI_MSG_MEDAID_BULK_RECEPTION,
	  ONSHI_MSG_MEDAID_BULK_FETCH, ONSHI_MSG_MEDAID_BULK_RESULT },
	{ ONSHI_MSG_REFNUM_BULK_REQUEST, ONSHI_MSG_REFNUM_BULK_RECEPTION,
	  ONSHI_MSG_REFNUM_BULK_FETCH, ONSHI_MSG_REFNUM_BULK_RESULT },
};

const struct xmsg_batch_family *xmsg_batch_family(enum onshi_msg_kind kind)
{
	for (size_t i = 0;
	     i < sizeof(batch_families) / sizeof(batch_families[0]); i++) {
		const struct xmsg_batch_family *f = &batch_families[i];

		if (kind == f->upload || kind == f->reception ||
		    kind == f->fetch || kind == f->result)
			return f;
	}
	return NULL;
}

const struct xmsg_node *xmsg_root(enum onshi_msg_kind kind)
{
	const struct xmsg_batch_family *bf = xmsg_batch_family(kind);

	/* The other batches share the OQSmuquc documents but their own. */
	if (bf != NULL && bf->upload == ONSHI_MSG_REFNUM_BULK_REQUEST) {
		if (kind == bf->upload)
			return &refnum_bulk_req_root;
		if (kind == bf->result)
			return &refnum_bulk_res_root;
	}
	if (bf != NULL && bf->upload != ONSHI_MSG_BULK_REQUEST) {
		if (kind == bf->upload)
			return &period_req_root;
		kind = kind == bf->reception ? ONSHI_MSG_BULK_RECEPTION
		       : kind == bf->fetch   ? ONSHI_MSG_BULK_FETCH
					     : ONSHI_MSG_BULK_RESULT;
	}
	switch (kind) {
	case ONSHI_MSG_INQUIRY_REQUEST: return &inquiry_req_root;
	case ONSHI_MSG_INQUIRY_RESULT: return &inquiry_res_root;
	case ONSHI_MSG_BULK_REQUEST: return &bulk_req_root;
	case ONSHI_MSG_BULK_RECEPTION: return &reception_root;
	case ONSHI_MSG_BULK_FETCH: return &fetch_root;
	case ONSHI_MSG_BULK_RESULT: return &bulk_res_root;
	case ONSHI_MSG_ERROR: return &err_root;
	case ONSHI_MSG_DRUG_REQUEST: return &drug_req_root;
	case ONSHI_MSG_DRUG_RESULT: return &drug_res_root;
	case ONSHI_MSG_CHECKUP_REQUEST: return &checkup_req_root;
	case ONSHI_MSG_CHECKUP_RESULT: return &checkup_res_root;
	case ONSHI_MSG_REFNUM_REQUEST: return &refnum_req_root;
	case ONSHI_MSG_REFNUM_RESULT: return &refnum_res_root;
	default: return NULL;
	}
}

const char *onshi_msg_kind_name(enum onshi_msg_kind kind)
{
	switch (kind) {
	case ONSHI_MSG_INQUIRY_REQUEST: return "OQSsiquc01req";
	case ONSHI_MSG_INQUIRY_RESULT: return "OQSsiquc01res";
	case ONSHI_MSG_BULK_REQUEST: return "OQSmuquc01req";
	case ONSHI_MSG_BULK_RECEPTION: return "OQSmuquc01res";
	case ONSHI_MSG_BULK_FETCH: return "OQSmuquc02req";
	case ONSHI_MSG_BULK_RESULT: return "OQSmuquc02res";
	case ONSHI_MSG_ERROR: return "err";
	case ONSHI_MSG_DRUG_REQUEST: return "YZKsiquc01req";
	case ONSHI_MSG_DRUG_RESULT: return "YZKsiquc01res";
	case ONSHI_MSG_CHECKUP_REQUEST: return "TKKsiquc01req";
	case ONSHI_MSG_CHECKUP_RESULT: return "TKKsiquc01res";
	case ONSHI_MSG_ONLINE_BULK_REQUEST: return "OQSmuonq01req";
	case ONSHI_MSG_ONLINE_BULK_RECEPTION: return "OQSmuonq01res";
	case ONSHI_MSG_ONLINE_BULK_FETCH: return "OQSmuonq02req";
	case ONSHI_MSG_ONLINE_BULK_RESULT: return "OQSmuonq02res";
	case ONSHI_MSG_HOMEVISIT_BULK_REQUEST: return "OQSmuhvq01req";
	case ONSHI_MSG_HOMEVISIT_BULK_RECEPTION: return "OQSmuhvq01res";
	case ONSHI_MSG_HOMEVISIT_BULK_FETCH: return "OQSmuhvq02req";
	case ONSHI_MSG_HOMEVISIT_BULK_RESULT: return "OQSmuhvq02res";
	case ONSHI_MSG_MEDAID_BULK_REQUEST: return "OQSmutic01req";
	case ONSHI_MSG_MEDAID_BULK_RECEPTION: return "OQSmutic01res";
	case ONSHI_MSG_MEDAID_BULK_FETCH: return "OQSmutic02req";
	case ONSHI_MSG_MEDAID_BULK_RESULT: return "OQSmutic02res";
	case ONSHI_MSG_REFNUM_REQUEST: return "OQSsiimm01req";
	case ONSHI_MSG_REFNUM_RESULT: return "OQSsiimm01res";
	case ONSHI_MSG_REFNUM_BULK_REQUEST: return "OQSmuimm01req";
	case ONSHI_MSG_REFNUM_BULK_RECEPTION: return "OQSmuimm01res";
	case ONSHI_MSG_REFNUM_BULK_FETCH: return "OQSmuimm02req";
	case ONSHI_MSG_REFNUM_BULK_RESULT: return "OQSmuimm02res";
	default: return "";
	}
}
