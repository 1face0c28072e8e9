/* SPDX-License-Identifier: Apache-2.0 */
/*
 * onshi/message.h — the XmlMsg message model and its codec.
 *
 * Every document that crosses the official terminal's file interface
 * (docs/rececon/oqsfolder.md) or our profile of the national web API (docs/national-api.md)
 * is an <XmlMsg> with a <MessageHeader> and a <MessageBody>. This header
 * models the kinds onshi speaks as plain C structs holding owned,
 * NUL-terminated UTF-8 strings, and offers one parser and one writer for
 * all of them:
 *
 *   - onshi_msg_parse() reads a memory buffer in UTF-8 or Shift_JIS (always
 *     decoded as CP932, so 髙 﨑 ① ㈱ survive), refuses DTDs (hence external
 *     entities and entity bombs), never touches the network, enforces a size
 *     and a depth limit, ignores unknown elements and names the first
 *     missing or malformed element in its message;
 *   - onshi_msg_write() produces a malloc'd document in UTF-8 or CP932 with
 *     the matching XML declaration and CharacterCodeIdentifier, replacing
 *     characters CP932 cannot hold by 〓 (U+3013) and counting them.
 *
 * Conventions of the model:
 *   - A string field is NULL when its element is absent and "" when the
 *     element is present but empty (<InsuredCardSymbol/>); the writer emits
 *     exactly the non-NULL ones, so a parsed request echoes faithfully.
 *   - A code field (enum) is 0 (the *_NONE value) when absent, except
 *     consent flags, whose 0 is "no consent" and whose absence is -1.
 *   - InsurerNumber is held in the model in its 8-character official
 *     form: a 6-digit national-health-insurance number is stored
 *     left-padded with two spaces ("  123456"); "00123456" and " 123456 "
 *     are read as that same number. The core and the simulator match on
 *     this normalised value. A parsed QualificationConfirmSearchInfo also
 *     keeps each element's text exactly as the client sent it (sent[],
 *     below), and the writer echoes that text, so a result's search info
 *     reads "00123456" when the request did; the normalised form is
 *     written only for search info built in code (n_sent == 0), and for
 *     InsurerNumber in a ResultOfQualificationConfirmation.
 *   - Everything a struct points to is owned by it and freed by
 *     onshi_msg_clear(); fill strings with onshi_msg_set() (or malloc'd
 *     strings of your own) and arrays with the onshi_*_add() helpers.
 *
 * The functions live in the daemon: a plugin (linked -no-undefined) cannot
 * call them directly and uses the host table's msg_write / file_name_*
 * services instead; the structs are plain data a plugin may fill itself.
 *
 * All functions are thread-safe except where noted; onshi_xmlmsg_init()
 * should be called once at program start before threads parse in parallel
 * (it initialises libxml2; calling it is harmless when libxml2 is already
 * initialised).
 */
#ifndef ONSHI_MESSAGE_H
#define ONSHI_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include <onshi/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- code tables (docs/rececon/oqsfolder.md) --------------------------------- */

/* OQSCD005 CharacterCodeIdentifier; also selects the writer's output. */
enum onshi_charset {
	ONSHI_CHARSET_UTF8 = 0,
	ONSHI_CHARSET_CP932 = 1, /* declared "Shift_JIS", written as CP932 */
};

/* OQSCD002 ReferenceClassification */
enum onshi_refclass {
	ONSHI_REFCLASS_NONE = 0,
	ONSHI_REFCLASS_MYNUMBER = 1, /* My Number Card */
	ONSHI_REFCLASS_CARDINFO = 2, /* insurance card information */
};

/* OQSCD003 SegmentOfResult */
enum onshi_segment {
	ONSHI_SEGMENT_NONE = 0,
	ONSHI_SEGMENT_NORMAL = 1,
	ONSHI_SEGMENT_PROCESSING = 2, /* batch result not ready yet */
	ONSHI_SEGMENT_ABNORMAL = 9,
};

/* OQSCD004 ProcessingResultStatus */
enum onshi_status {
	ONSHI_STATUS_NONE = 0,
	ONSHI_STATUS_NORMAL = 1,
	ONSHI_STATUS_ERROR = 2,
};

/* OQSCD006 QualificationValidity */
enum onshi_validity {
	ONSHI_VALIDITY_NONE = 0,
	ONSHI_VALIDITY_VALID = 1,
	ONSHI_VALIDITY_INVALID = 2,
	ONSHI_VALIDITY_SUPERSEDED = 3, /* invalid: a newer qualification exists */
	ONSHI_VALIDITY_NOT_FOUND = 4,
	ONSHI_VALIDITY_AMBIGUOUS = 5,    /* several persons match */
	ONSHI_VALIDITY_UNREGISTERED = 6, /* valid, public assistance only */
};

/* OQSCD016 consent flags (as typed fields of CardAuthentication) */
enum onshi_consent {
	ONSHI_CONSENT_ABSENT = -1,
	ONSHI_CONSENT_NO = 0,
	ONSHI_CONSENT_YES = 1,
	ONSHI_CONSENT_EXPIRED = 2,
	ONSHI_CONSENT_IMPOSSIBLE = 3, /* emergency: consent cannot be asked */
};

/* The four consent subjects, in element-name order; indexes arrays below. */
enum onshi_consent_kind {
	ONSHI_CONSENT_PHARMACISTS = 0,          /* PharmacistsInfo* */
	ONSHI_CONSENT_SPECIFIC_HEALTH_CHECKUPS, /* SpecificHealthCheckupsInfo* */
	ONSHI_CONSENT_DIAGNOSIS,                /* DiagnosisInfo* */
	ONSHI_CONSENT_OPERATION,                /* OperationInfo* */
	ONSHI_CONSENT_KINDS
};

/* CardAuthentication/TokenType: "card" or "smartphone" */
enum onshi_token_type {
	ONSHI_TOKEN_NONE = 0,
	ONSHI_TOKEN_CARD = 1,
	ONSHI_TOKEN_SMARTPHONE = 2,
};

/* CardAuthentication/AuthMethod: "face", "pin" or "visual" */
enum onshi_auth_method {
	ONSHI_AUTH_NONE = 0,
	ONSHI_AUTH_FACE = 1,
	ONSHI_AUTH_PIN = 2,
	ONSHI_AUTH_VISUAL = 3,
};

/* ---- building blocks ------------------------------------------------- */

/* The elements of QualificationConfirmSearchInfo, in the order of the
 * fields of struct onshi_search_info (and of the writer's output). */
enum onshi_search_element {
	ONSHI_SEARCH_INSURER_NUMBER = 0,            /* InsurerNumber */
	ONSHI_SEARCH_INSURED_CARD_SYMBOL,           /* InsuredCardSymbol */
	ONSHI_SEARCH_INSURED_IDENTIFICATION_NUMBER, /* InsuredIdentificationNumber */
	ONSHI_SEARCH_INSURED_BRANCH_NUMBER,         /* InsuredBranchNumber */
	ONSHI_SEARCH_BIRTHDATE,                     /* Birthdate */
	ONSHI_SEARCH_LIMIT_APPLICATION_CONS_FLG, /* LimitApplicationCertificateRelatedConsFlg */
	ONSHI_SEARCH_ELEMENTS
};

/* One search element as the client wrote it: which one, and its text. */
struct onshi_sent_text {
	unsigned field; /* enum onshi_search_element */
	char *text;     /* verbatim (UTF-8), may be "" */
};

/* <QualificationConfirmSearchInfo>: what the receipt computer asks about. */
struct onshi_search_info {
	char *insurer_number;                /* InsurerNumber, 8 chars */
	char *insured_card_symbol;           /* InsuredCardSymbol, may be "" */
	char *insured_identification_number; /* InsuredIdentificationNumber */
	char *insured_branch_number;         /* InsuredBranchNumber, 2 digits */
	char *birthdate;                     /* Birthdate, YYYYMMDD */
	char *limit_application_cons_flg; /* LimitApplicationCertificateRelatedConsFlg */
	/*
	 * Appended in ABI 1.3. The elements as sent, in the sender's order,
	 * each with its text untouched (no trimming, no padding): filled by
	 * the parser, copied and freed with the fields above. When n_sent > 0
	 * the writer emits exactly these elements, in this order, with this
	 * text (each still checked as the fields above are); when 0 it emits
	 * the normalised fields in table order. The fields above always hold
	 * the normalised values, which is what matching uses. Code that
	 * builds or edits a search info itself leaves (or sets) n_sent at 0.
	 */
	size_t n_sent;
	struct onshi_sent_text *sent;
};

/*
 * <CardAuthentication>: onshi's own profile for My Number Card inquiries
 * (ReferenceClassification 1; docs/national-api.md). Element names in brackets.
 * Binary values are base64 (RFC 4648, no line breaks).
 *   PIN:    signature = RSA PKCS#1 v1.5 / SHA-256 by the card's JPKI
 *           user-authentication key over the nonce bytes.
 *   face:   attestation = signature by the reader's device key,
 *           reader_certificate = that device's certificate (DER).
 *   visual: operator_id = the staff member who looked at the card.
 * The parser enforces that the method's own field is present.
 */
struct onshi_card_auth {
	enum onshi_token_type token_type; /* [TokenType] */
	enum onshi_auth_method method;    /* [AuthMethod] */
	char *certificate;        /* [Certificate] JPKI auth cert, DER */
	char *nonce;              /* [Nonce] as issued by /challenge */
	char *signature;          /* [Signature] PIN mode */
	char *attestation;        /* [ReaderAttestation] face mode */
	char *reader_certificate; /* [ReaderCertificate] face mode */
	char *operator_id;        /* [OperatorId] visual mode */
	/* [PharmacistsInfoConsFlg] [SpecificHealthCheckupsInfoConsFlg]
	 * [DiagnosisInfoConsFlg] [OperationInfoConsFlg] */
	enum onshi_consent consent[ONSHI_CONSENT_KINDS];
};

/* One consent triple inside a result: {Kind}Info{ConsFlg,ConsTime,AvailableTime} */
struct onshi_consent_info {
	char *flg;            /* "0".."3" (OQSCD016) */
	char *time;           /* YYYYMMDDhhmmss, when consent was given */
	char *available_time; /* YYYYMMDDhhmmss, until when it may be used */
};

/*
 * The certificate blocks a record may carry (as independent client software uses them; docs/rececon/oqsfolder.md; element
 * names as real results and their clients spell them). Every value is a
 * string as sent, like the rest of the record; docs/national-api.md lists
 * the codes onshi-qsd uses.
 */

/* <ElderlyRecipientCertificateInfo> 高齢受給者証 (ages 70-74). */
struct onshi_elderly_certificate {
	char *certificate_date; /* ElderlyRecipientCertificateDate, YYYYMMDD issued */
	char *valid_start_date; /* ElderlyRecipientValidStartDate */
	char *valid_end_date;   /* ElderlyRecipientValidEndDate */
	char *contribution_ratio; /* ElderlyRecipientContributionRatio: "020" = 2 割 */
};

/* <LimitApplicationCertificateRelatedInfo> 限度額適用認定証 and kin. */
struct onshi_limit_certificate {
	char *classification; /* LimitApplicationCertificateClassification 01-03 */
	char *classification_flag; /* LimitApplicationCertificateClassificationFlag
				    * (OQSCD012: A01-A06 under 70, B01-B10 70 and over) */
	char *certificate_date;    /* LimitApplicationCertificateDate */
	char *valid_start_date; /* LimitApplicationCertificateValidStartDate */
	char *valid_end_date;   /* LimitApplicationCertificateValidEndDate */
	char *long_term_date; /* LimitApplicationCertificateLongTermDate (長期入院) */
};

/* <SpecificDiseasesCertificateList><SpecificDiseasesCertificateInfo>: one
 * 特定疾病療養受療証. */
struct onshi_specific_disease_certificate {
	char *disease_category; /* SpecificDiseasesDiseaseCategory (OQSCD013) */
	char *certificate_date; /* SpecificDiseasesCertificateDate */
	char *valid_start_date; /* SpecificDiseasesValidStartDate */
	char *valid_end_date;   /* SpecificDiseasesValidEndDate */
	char *self_pay;         /* SpecificDiseasesSelfPay, yen per month */
};

/* <PublicExpenseResultList><MedicalTicketInfo>: one 医療券 / 調剤券 of
 * medical aid (医療扶助; QualificationValidity 6, card classification A1). */
struct onshi_medical_ticket {
	char *ticket_type;     /* TicketType: 1 医療券, 2 調剤券 */
	char *valid_date;      /* MedicalTicketValidDate */
	char *expiration_date; /* MedicalTicketExpirationDate */
	char *issue_number;    /* IssueNumber (交付番号) */
	char *medical_treatment_month;     /* MedicalTreatmentMonth YYYYMM */
	char *designated_institution_code; /* DesignatedMedicalInstitutionCode */
	char *designated_institution_name; /* DesignatedMedicalInstitutionName */
	char *self_pay_amount;       /* SelfPayAmount (本人支払額), yen */
	char *district_contact_name; /* DistrictContactName (地区担当員) */
	char *handling_contact_name; /* HandlingContactName (取扱担当者) */
	char *remarks1;              /* Remarks1 */
};

/* <ResultOfQualificationConfirmation>: one insured person's record.
 * Every field is a string as sent; the writer does not reinterpret them. */
struct onshi_qualification {
	char *insured_card_classification; /* InsuredCardClassification (OQSCD010) */
	char *insurer_number;      /* InsurerNumber (8 chars, see top) */
	char *insured_card_symbol; /* InsuredCardSymbol */
	char *insured_identification_number; /* InsuredIdentificationNumber */
	char *insured_branch_number;         /* InsuredBranchNumber */
	char *personal_family_classification; /* PersonalFamilyClassification 1/2 */
	char *insured_name;       /* InsuredName (the policy holder) */
	char *name;               /* Name */
	char *name_of_other;      /* NameOfOther */
	char *name_kana;          /* NameKana (half-width kana) */
	char *name_of_other_kana; /* NameOfOtherKana */
	char *sex1;               /* Sex1 */
	char *sex2;               /* Sex2 */
	char *birthdate;          /* Birthdate YYYYMMDD */
	char *address;            /* Address */
	char *post_number;        /* PostNumber */
	char *insured_certificate_issuance_date; /* InsuredCertificateIssuanceDate */
	char *insured_card_valid_date;           /* InsuredCardValidDate */
	char *insured_card_expiration_date;      /* InsuredCardExpirationDate */
	char *qualification_date;                /* QualificationDate */
	char *disqualification_date;             /* DisqualificationDate */
	char *insured_partial_contribution_ratio; /* "030" = 30 % */
	char *preschool_classification;           /* PreschoolClassification */
	char *reason_of_loss;                     /* ReasonOfLoss */
	char *insurer_name;                       /* InsurerName */
	/* Written Pharmacists*, *AvailableTime; read also as
	 * PharmaceuticalInfo* and *AcquisitionTime (docs/national-api.md). */
	struct onshi_consent_info consent[ONSHI_CONSENT_KINDS];
	/*
	 * Appended in ABI 1.3: the rest of the record as real
	 * results carry it. Certificate groups are written when one of their
	 * fields is set; the lists when they have entries.
	 */
	struct onshi_elderly_certificate elderly; /* ElderlyRecipientCertificateInfo */
	char *limit_cons_flg; /* LimitApplicationCertificateRelatedConsFlg (OQSCD016) */
	char *limit_cons_time; /* LimitApplicationCertificateRelatedConsTime */
	struct onshi_limit_certificate limit; /* LimitApplicationCertificateRelatedInfo */
	char *specific_diseases_cons_flg; /* SpecificDiseasesCertificateRelatedConsFlg */
	char *specific_diseases_cons_time; /* SpecificDiseasesCertificateRelatedConsTime */
	size_t n_specific_diseases; /* SpecificDiseasesCertificateList entries */
	struct onshi_specific_disease_certificate *specific_diseases;
	size_t n_medical_tickets; /* PublicExpenseResultList entries */
	struct onshi_medical_ticket *medical_tickets;
	char *reference_number;          /* ReferenceNumber (照会番号) */
	char *limit_certificate_changed; /* LimitApplicationCertificateChanged */
	char *qualification_confirmation_key; /* QualificationConfirmationKey (card reads) */
};

/* MessageHeader of every request kind. */
struct onshi_req_header {
	/* YYYYMMDD: required in OQSsiquc01req; optional in the batch kinds
	 * (real clients leave it out), where the parser fills in today's
	 * local date when it is absent or empty. */
	char *qualification_confirmation_date;
	char *medical_institution_code;  /* 10 digits, required */
	char *arbitrary_file_identifier; /* free text, echoed in the result */
	enum onshi_refclass reference_classification; /* absent → CARDINFO */
	/* Batch phase 2 only, and required there: read from MessageHeader or
	 * from MessageBody (where real clients put it); both present with
	 * different values is refused. The writer puts it in MessageHeader. */
	char *reception_number;
};

/* MessageHeader of every result kind. */
struct onshi_res_header {
	char *process_execution_time;      /* YYYYMMDDhhmmss */
	enum onshi_charset character_code; /* parsed; the writer writes its own */
	enum onshi_segment segment_of_result;
	char *error_code; /* when segment is not NORMAL */
	char *error_message;
	char *qualification_confirmation_date;
	enum onshi_refclass reference_classification;
	char *arbitrary_file_identifier; /* echoed from the request */
	char *medical_institution_code;
	char *reception_number; /* batch results only */
	/* batch phase 2 only; always written for that kind */
	long number_of_processing_result;
	long number_of_normal_processing;
	long number_of_error;
};

/* ---- the documents ------------------------------------------------------ */

/* OQSsiquc01req: individual inquiry (by card info or by My Number Card). */
struct onshi_inquiry_request {
	struct onshi_req_header hdr;
	bool has_search; /* required for CARDINFO */
	struct onshi_search_info search;
	bool has_card_auth; /* required for MYNUMBER */
	struct onshi_card_auth card_auth;
};

/* OQSsiquc01res: individual result. */
struct onshi_inquiry_result {
	struct onshi_res_header hdr;
	enum onshi_status processing_result_status;
	char *processing_result_code;
	char *processing_result_message;
	enum onshi_validity qualification_validity;
	char *prescription_issue_select; /* PrescriptionIssueSelect */
	bool has_search;                 /* the request's, echoed */
	struct onshi_search_info search;
	size_t n_results; /* <ResultList> entries */
	struct onshi_qualification *results;
};

/* OQSmuquc01req: batch phase 1, upload of many searches. */
struct onshi_bulk_request {
	struct onshi_req_header hdr;
	size_t n_search;
	struct onshi_search_info *search;
};

/* OQSmuquc01res: batch phase 1 result: the ReceptionNumber (in hdr). */
struct onshi_bulk_reception {
	struct onshi_res_header hdr;
	enum onshi_status processing_result_status;
	char *processing_result_code;
	char *processing_result_message;
};

/* OQSmuquc02req: batch phase 2, fetch by hdr.reception_number (which the
 * parser also takes from <MessageBody><ReceptionNumber>). */
struct onshi_bulk_fetch {
	struct onshi_req_header hdr;
};

/* One <BulkConfirmUnit> of a phase 2 result. */
struct onshi_bulk_unit {
	bool has_search;
	struct onshi_search_info search;
	enum onshi_status processing_result_status;
	char *processing_result_code;
	char *processing_result_message;
	enum onshi_validity qualification_validity;
	size_t n_results;
	struct onshi_qualification *results;
};

/* OQSmuquc02res: batch phase 2 result (SegmentOfResult 2 = not ready). */
struct onshi_bulk_result {
	struct onshi_res_header hdr;
	size_t n_units;
	struct onshi_bulk_unit *units;
};

/*
 * The .err document (onshi's own shape): a result header with
 * SegmentOfResult 9, ErrorCode "OE" + four digits (the onshi_err number
 * without its sign: OE0009 = malformed XML, OE0006 = refused as hostile,
 * OE0007 = too large, OE0008 = bad encoding, OE0001 = invalid value) and an
 * ErrorMessage naming the problem; ArbitraryFileIdentifier echoed when the
 * request got far enough to have one, and the search info likewise.
 */
struct onshi_error_result {
	struct onshi_res_header hdr;
	bool has_search;
	struct onshi_search_info search;
};

/*
 * Appended in ABI 1.3 (the further kinds of as independent client software uses them; docs/rececon/oqsfolder.md; onshi's
 * profile of them is docs/national-api.md). Drug history (薬剤情報,
 * YZKsiquc01) and specific health check-up results (特定健診情報,
 * TKKsiquc01) for one patient, named by QualificationConfirmSearchInfo.
 * A result always carries ResultCode ("1" = the information follows;
 * anything else, e.g. "2" = the patient has not consented, with
 * MessageContents saying why) and either DrugInformation or
 * SpecificHealthCheckup entries.
 */
struct onshi_info_request {          /* YZKsiquc01req, TKKsiquc01req */
	struct onshi_req_header hdr; /* QualificationConfirmationDate optional */
	bool has_search;             /* required */
	struct onshi_search_info search;
};

/* One dispensing of one drug: <DrugInformation>. */
struct onshi_drug_info {
	char *dispensing_date;              /* DispensingDate YYYYMMDD */
	char *prescribing_institution_name; /* PrescribingInstitutionName */
	char *pharmacy_name;                /* DispensingPharmacyName */
	char *drug_code;                    /* DrugCode (YJ code) */
	char *drug_name;                    /* DrugName */
	char *quantity;                     /* Quantity, per day */
	char *unit;                         /* Unit (錠, mL, 包 ...) */
	char *usage;                        /* Usage (1日3回毎食後 ...) */
	char *dosage_days;                  /* DosageDays */
};

/* One year's specific health check-up: <SpecificHealthCheckup>. */
struct onshi_checkup_info {
	char *examination_date;             /* ExaminationDate YYYYMMDD */
	char *examination_institution_name; /* ExaminationInstitutionName */
	char *height;                       /* Height, cm */
	char *weight;                       /* Weight, kg */
	char *bmi;                          /* BMI */
	char *abdominal_circumference;      /* AbdominalCircumference, cm */
	char *systolic_blood_pressure;      /* SystolicBloodPressure, mmHg */
	char *diastolic_blood_pressure;     /* DiastolicBloodPressure, mmHg */
	char *hba1c;                        /* HbA1c, % (NGSP) */
	char *fasting_blood_sugar;          /* FastingBloodSugar, mg/dL */
	char *ldl_cholesterol;              /* LDLCholesterol, mg/dL */
	char *hdl_cholesterol;              /* HDLCholesterol, mg/dL */
	char *triglyceride;                 /* Triglyceride, mg/dL */
	char *ast;                          /* AST, U/L */
	char *alt;                          /* ALT, U/L */
	char *gamma_gtp;                    /* GammaGTP, U/L */
	char *metabolic_syndrome_judgement; /* MetabolicSyndromeJudgement 1-4 */
};

struct onshi_info_result { /* YZKsiquc01res, TKKsiquc01res */
	struct onshi_res_header hdr;
	char *result_code;      /* ResultCode: "1" = ok */
	char *message_contents; /* MessageContents */
	bool has_search;        /* the request's, echoed */
	struct onshi_search_info search;
	size_t n_drugs; /* YZKsiquc01res: <DrugInformationList> */
	struct onshi_drug_info *drugs;
	size_t n_checkups; /* TKKsiquc01res: <SpecificHealthCheckupList> */
	struct onshi_checkup_info *checkups;
};

/*
 * Appended in ABI 1.3: the batch kinds by period (as independent client software uses them; docs/rececon/oqsfolder.md),
 * OQSmuonq01req (online care, オンライン診療), OQSmuhvq01req (home-visit
 * care, 訪問診療) and OQSmutic01req (medical aid, 医療扶助). The upload
 * names no persons: its one QualificationConfirmSearchInfo holds a period
 * (the examination or the consent dates, or the treatment month for
 * medical aid) and MedicalTreatmentFlag; the national service answers
 * with the persons of that period. Phase 1 is answered like OQSmuquc01
 * (struct onshi_bulk_reception, ReceptionNumber), phase 2
 * (OQSmuonq02req ...) is a struct onshi_bulk_fetch and is answered like
 * OQSmuquc02 (struct onshi_bulk_result, one BulkConfirmUnit a person).
 */
struct onshi_period_search {
	char *medical_treatment_flag;  /* MedicalTreatmentFlag (OQSCD028) 1-4 */
	char *examination_date_from;   /* ExaminationDateFrom YYYYMMDD */
	char *examination_date_to;     /* ExaminationDateTo */
	char *consent_date_from;       /* ConsentDateFrom */
	char *consent_date_to;         /* ConsentDateTo */
	char *medical_treatment_month; /* MedicalTreatmentMonth YYYYMM */
};

struct onshi_period_bulk_request { /* OQSmuonq01req, OQSmuhvq01req, OQSmutic01req */
	struct onshi_req_header hdr;       /* as in OQSmuquc01req */
	bool has_search;                   /* required */
	struct onshi_period_search search; /* <QualificationConfirmSearchInfo> */
};

/*
 * Appended in ABI 1.3: reference numbers (照会番号登録). An institution
 * registers, per person, its own number for them (its patient number),
 * one at a time (OQSsiimm01req) or in bulk (OQSmuimm01req, fetched by
 * ReceptionNumber with OQSmuimm02req); afterwards the person's records in
 * that institution's results carry ReferenceNumber.
 */
#define ONSHI_REFNUM_MAX 20 /* ReferenceNumber: 1-20 of [0-9A-Za-z-] */

/* <ReferenceNumberRegistrationInfo>: the insurance-card fields and the number. */
struct onshi_refnum_info {
	char *insurer_number; /* InsurerNumber, 8 chars (6 digits: "  NNNNNN") */
	char *insured_card_symbol;           /* InsuredCardSymbol, may be "" */
	char *insured_identification_number; /* InsuredIdentificationNumber */
	char *insured_branch_number;         /* InsuredBranchNumber */
	char *birthdate;                     /* Birthdate */
	char *reference_number;              /* ReferenceNumber */
};

struct onshi_refnum_request {        /* OQSsiimm01req */
	struct onshi_req_header hdr; /* the batch header (date optional) */
	bool has_info;               /* required */
	struct onshi_refnum_info info;
};

/* The outcome of one registration: OQSsiimm01res's body, and each
 * <ReferenceNumberRegistrationResult> of OQSmuimm02res. */
struct onshi_refnum_unit {
	bool has_info; /* the registration, echoed */
	struct onshi_refnum_info info;
	enum onshi_status processing_result_status; /* 1 registered, 2 not */
	char *processing_result_code; /* 1001 nobody, 1002 several match */
	char *processing_result_message;
};

struct onshi_refnum_result { /* OQSsiimm01res */
	struct onshi_res_header hdr;
	struct onshi_refnum_unit unit;
};

struct onshi_refnum_bulk_request { /* OQSmuimm01req */
	struct onshi_req_header hdr;
	size_t n_info;
	struct onshi_refnum_info *info;
};

struct onshi_refnum_bulk_result { /* OQSmuimm02res (OQSmuimm01res: bulk_reception) */
	struct onshi_res_header hdr; /* with the three counts */
	size_t n_units;
	struct onshi_refnum_unit *units;
};

enum onshi_msg_kind {
	ONSHI_MSG_NONE = 0,
	ONSHI_MSG_INQUIRY_REQUEST, /* OQSsiquc01req */
	ONSHI_MSG_INQUIRY_RESULT,  /* OQSsiquc01res */
	ONSHI_MSG_BULK_REQUEST,    /* OQSmuquc01req */
	ONSHI_MSG_BULK_RECEPTION,  /* OQSmuquc01res */
	ONSHI_MSG_BULK_FETCH,      /* OQSmuquc02req */
	ONSHI_MSG_BULK_RESULT,     /* OQSmuquc02res */
	ONSHI_MSG_ERROR,           /* .err */
	/* appended in ABI 1.3 */
	ONSHI_MSG_DRUG_REQUEST,        /* YZKsiquc01req */
	ONSHI_MSG_DRUG_RESULT,         /* YZKsiquc01res */
	ONSHI_MSG_CHECKUP_REQUEST,     /* TKKsiquc01req */
	ONSHI_MSG_CHECKUP_RESULT,      /* TKKsiquc01res */
	ONSHI_MSG_ONLINE_BULK_REQUEST, /* OQSmuonq01req (period_bulk_request) */
	ONSHI_MSG_ONLINE_BULK_RECEPTION,    /* OQSmuonq01res (bulk_reception) */
	ONSHI_MSG_ONLINE_BULK_FETCH,        /* OQSmuonq02req (bulk_fetch) */
	ONSHI_MSG_ONLINE_BULK_RESULT,       /* OQSmuonq02res (bulk_result) */
	ONSHI_MSG_HOMEVISIT_BULK_REQUEST,   /* OQSmuhvq01req */
	ONSHI_MSG_HOMEVISIT_BULK_RECEPTION, /* OQSmuhvq01res */
	ONSHI_MSG_HOMEVISIT_BULK_FETCH,     /* OQSmuhvq02req */
	ONSHI_MSG_HOMEVISIT_BULK_RESULT,    /* OQSmuhvq02res */
	ONSHI_MSG_MEDAID_BULK_REQUEST,      /* OQSmutic01req */
	ONSHI_MSG_MEDAID_BULK_RECEPTION,    /* OQSmutic01res */
	ONSHI_MSG_MEDAID_BULK_FETCH,        /* OQSmutic02req */
	ONSHI_MSG_MEDAID_BULK_RESULT,       /* OQSmutic02res */
	ONSHI_MSG_REFNUM_REQUEST,           /* OQSsiimm01req (refnum_request) */
	ONSHI_MSG_REFNUM_RESULT,            /* OQSsiimm01res (refnum_result) */
	ONSHI_MSG_REFNUM_BULK_REQUEST, /* OQSmuimm01req (refnum_bulk_request) */
	ONSHI_MSG_REFNUM_BULK_RECEPTION, /* OQSmuimm01res (bulk_reception) */
	ONSHI_MSG_REFNUM_BULK_FETCH,     /* OQSmuimm02req (bulk_fetch) */
	ONSHI_MSG_REFNUM_BULK_RESULT, /* OQSmuimm02res (refnum_bulk_result) */
};

/* Any document: kind says which union member is live. */
struct onshi_msg {
	enum onshi_msg_kind kind;
	enum onshi_charset source_charset; /* set by the parser */
	union {
		struct onshi_inquiry_request inquiry_request;
		struct onshi_inquiry_result inquiry_result;
		struct onshi_bulk_request bulk_request;
		struct onshi_bulk_reception bulk_reception;
		struct onshi_bulk_fetch bulk_fetch;
		struct onshi_bulk_result bulk_result;
		struct onshi_error_result error;
		struct onshi_info_request info_request; /* DRUG_, CHECKUP_REQUEST */
		struct onshi_info_result info_result; /* DRUG_, CHECKUP_RESULT */
		/* ONLINE_, HOMEVISIT_, MEDAID_BULK_REQUEST; their RECEPTION,
		 * FETCH and RESULT kinds use bulk_reception, bulk_fetch and
		 * bulk_result */
		struct onshi_period_bulk_request period_bulk_request;
		struct onshi_refnum_request refnum_request;
		struct onshi_refnum_result refnum_result;
		struct onshi_refnum_bulk_request refnum_bulk_request;
		struct onshi_refnum_bulk_result refnum_bulk_result;
	} u;
};

/*
 * The header of a request document, and of a result or .err document
 * (NULL for other kinds): the one map from kinds to union members, for the
 * daemon and for plugins alike (inline: plugins link no daemon symbols).
 */
static inline const struct onshi_req_header *onshi_msg_req_header(const struct onshi_msg *m)
{
	switch (m->kind) {
	case ONSHI_MSG_INQUIRY_REQUEST: return &m->u.inquiry_request.hdr;
	case ONSHI_MSG_BULK_REQUEST: return &m->u.bulk_request.hdr;
	case ONSHI_MSG_BULK_FETCH:
	case ONSHI_MSG_ONLINE_BULK_FETCH:
	case ONSHI_MSG_HOMEVISIT_BULK_FETCH:
	case ONSHI_MSG_MEDAID_BULK_FETCH:
	case ONSHI_MSG_REFNUM_BULK_FETCH: return &m->u.bulk_fetch.hdr;
	case ONSHI_MSG_ONLINE_BULK_REQUEST:
	case ONSHI_MSG_HOMEVISIT_BULK_REQUEST:
	case ONSHI_MSG_MEDAID_BULK_REQUEST:
		return &m->u.period_bulk_request.hdr;
	case ONSHI_MSG_REFNUM_REQUEST: return &m->u.refnum_request.hdr;
	case ONSHI_MSG_REFNUM_BULK_REQUEST:
		return &m->u.refnum_bulk_request.hdr;
	case ONSHI_MSG_DRUG_REQUEST:
	case ONSHI_MSG_CHECKUP_REQUEST: return &m->u.info_request.hdr;
	default: return NULL;
	}
}

static inline struct onshi_res_header *onshi_msg_res_header(struct onshi_msg *m)
{
	switch (m->kind) {
	case ONSHI_MSG_INQUIRY_RESULT: return &m->u.inquiry_result.hdr;
	case ONSHI_MSG_BULK_RECEPTION:
	case ONSHI_MSG_ONLINE_BULK_RECEPTION:
	case ONSHI_MSG_HOMEVISIT_BULK_RECEPTION:
	case ONSHI_MSG_MEDAID_BULK_RECEPTION:
	case ONSHI_MSG_REFNUM_BULK_RECEPTION: return &m->u.bulk_reception.hdr;
	case ONSHI_MSG_BULK_RESULT:
	case ONSHI_MSG_ONLINE_BULK_RESULT:
	case ONSHI_MSG_HOMEVISIT_BULK_RESULT:
	case ONSHI_MSG_MEDAID_BULK_RESULT: return &m->u.bulk_result.hdr;
	case ONSHI_MSG_REFNUM_RESULT: return &m->u.refnum_result.hdr;
	case ONSHI_MSG_REFNUM_BULK_RESULT: return &m->u.refnum_bulk_result.hdr;
	case ONSHI_MSG_DRUG_RESULT:
	case ONSHI_MSG_CHECKUP_RESULT: return &m->u.info_result.hdr;
	case ONSHI_MSG_ERROR: return &m->u.error.hdr;
	default: return NULL;
	}
}

/* ---- limits ------------------------------------------------------------ */

/* Default input size limits: 1 MiB for individual documents (a real one is
 * under 4 KiB), 32 MiB for batch documents (10,000 searches or results). */
#define ONSHI_XMLMSG_MAX_BYTES (1u << 20)
#define ONSHI_XMLMSG_MAX_BULK_BYTES (32u << 20)
/* Deepest element nesting accepted (XmlMsg/MessageBody/.../leaf is 5). */
#define ONSHI_XMLMSG_MAX_DEPTH 16
/* Most searches / units / results in one document. */
#define ONSHI_XMLMSG_MAX_ITEMS 100000

struct onshi_parse_limits {
	size_t max_bytes;   /* 0 = the default for the kind */
	unsigned max_depth; /* 0 = ONSHI_XMLMSG_MAX_DEPTH */
	size_t max_items;   /* 0 = ONSHI_XMLMSG_MAX_ITEMS */
};

/* ---- codec --------------------------------------------------------------- */

/* Initialise libxml2 once per process (idempotent). */
void onshi_xmlmsg_init(void);

/* Initialise *m as an empty document of the given kind (consents -1). */
void onshi_msg_init(struct onshi_msg *m, enum onshi_msg_kind kind);

/* Free everything *m owns and leave it as onshi_msg_init(m, NONE). */
void onshi_msg_clear(struct onshi_msg *m);

/*
 * Parse buf[0..len) as a document of the given kind into *out (which is
 * initialised here; call onshi_msg_clear() afterwards, also on error).
 * limits may be NULL. Returns ONSHI_OK or:
 *   ONSHI_ETOOBIG   over max_bytes, max_depth or max_items;
 *   ONSHI_EENCODING invalid bytes for the declared encoding, or an
 *                   encoding other than UTF-8 / US-ASCII / Shift_JIS family;
 *   ONSHI_EPERM     a DOCTYPE (DTDs, and so external entities and entity
 *                   bombs, are refused before anything is expanded);
 *   ONSHI_EPROTO    not well-formed XML, or the root is not XmlMsg;
 *   ONSHI_EINVAL    a required element missing, or a value malformed;
 *   ONSHI_ENOMEM.
 * msg (may be NULL) receives a sentence naming the problem, e.g.
 * "InsurerNumber '12a456' is not 6 or 8 digits".
 */
int onshi_msg_parse(enum onshi_msg_kind kind, const char *buf, size_t len,
		    const struct onshi_parse_limits *limits,
		    struct onshi_msg *out, char *msg, size_t msglen);

/*
 * Write *m as a document in charset cs into a malloc'd buffer (*out,
 * *outlen, NUL-terminated for convenience; free() it). Result kinds get
 * CharacterCodeIdentifier = cs. In CP932, characters it cannot hold become
 * 〓 and *substituted (may be NULL) receives how many; a few look-alikes
 * (U+301C WAVE DASH, U+2212 MINUS SIGN, U+2016, U+00A2, U+00A3, U+00AC,
 * U+2014) are first mapped to their CP932 forms. Returns ONSHI_OK,
 * ONSHI_EINVAL (a field unfit to write, named in msg), ONSHI_ENOMEM.
 */
int onshi_msg_write(const struct onshi_msg *m, enum onshi_charset cs, char **out,
		    size_t *outlen, size_t *substituted, char *msg, size_t msglen);

/*
 * Start the result for a request: res is initialised as the matching result
 * kind (inquiry → inquiry result, bulk request → bulk reception, bulk
 * fetch → bulk result, drug / check-up request → its result) and gets copies of the request's
 * ArbitraryFileIdentifier, MedicalInstitutionCode,
 * QualificationConfirmationDate, ReferenceClassification, ReceptionNumber
 * and (inquiries) QualificationConfirmSearchInfo. Segment is set NORMAL.
 */
int onshi_msg_result_for(const struct onshi_msg *req, struct onshi_msg *res);

/*
 * Initialise m as an error document: segment 9, ErrorCode from err (see
 * struct onshi_error_result), ErrorMessage = message, and the request's
 * ArbitraryFileIdentifier, institution code and search info when req is a
 * parsed request (req may be NULL or half-filled).
 */
int onshi_msg_error_init(struct onshi_msg *m, int err, const char *message,
			 const struct onshi_msg *req);

/* Replace *field with a copy of value (NULL clears). ONSHI_ENOMEM on failure. */
int onshi_msg_set(char **field, const char *value);

/* Grow an array by one zeroed element and return it (NULL: out of memory). */
struct onshi_qualification *onshi_inquiry_result_add(struct onshi_inquiry_result *r);
struct onshi_search_info *onshi_bulk_request_add(struct onshi_bulk_request *r);
struct onshi_bulk_unit *onshi_bulk_result_add(struct onshi_bulk_result *r);
struct onshi_qualification *onshi_bulk_unit_add(struct onshi_bulk_unit *u);
struct onshi_specific_disease_certificate *
onshi_qualification_add_specific_disease(struct onshi_qualification *q);
struct onshi_medical_ticket *
onshi_qualification_add_medical_ticket(struct onshi_qualification *q);
struct onshi_drug_info *onshi_info_result_add_drug(struct onshi_info_result *r);
struct onshi_checkup_info *onshi_info_result_add_checkup(struct onshi_info_result *r);
struct onshi_refnum_info *onshi_refnum_bulk_request_add(struct onshi_refnum_bulk_request *r);
struct onshi_refnum_unit *onshi_refnum_bulk_result_add(struct onshi_refnum_bulk_result *r);

/* Deep copies; dst must be empty (zeroed) and is cleared again on failure. */
int onshi_search_info_copy(struct onshi_search_info *dst,
			   const struct onshi_search_info *src);
int onshi_qualification_copy(struct onshi_qualification *dst,
			     const struct onshi_qualification *src);
void onshi_search_info_clear(struct onshi_search_info *s);
void onshi_qualification_clear(struct onshi_qualification *q);

/*
 * Normalise an insurer number to its 8-character form into out[9]:
 * 8 digits stay; 6 digits, or 8 with two leading zeros or spaces, become
 * "  NNNNNN"; surrounding ASCII blanks are ignored. ONSHI_EINVAL otherwise.
 */
int onshi_insurer_number_normalize(const char *in, char out[9], char *msg,
				   size_t msglen);

/* "OQSsiquc01req" etc.; "" for NONE. */
const char *onshi_msg_kind_name(enum onshi_msg_kind kind);

/* ---- file names of the folder interface (docs/rececon/oqsfolder.md) ---------------- */

/* Longest id accepted in a file name. */
#define ONSHI_FILE_ID_MAX 100
/* Buffer size enough for any name built below (incl. NUL). */
#define ONSHI_FILE_NAME_MAX 160

/*
 * Classify a request file name (a base name, as read from req/): on success
 * *kind is INQUIRY_REQUEST, BULK_REQUEST or BULK_FETCH and id[] (at least
 * ONSHI_FILE_ID_MAX + 1 bytes) holds the <id>. The prefix and ".xml" are
 * matched case-insensitively (Windows clients). Returns
 *   ONSHI_ENOTFOUND not a request name at all (temp files, results, others:
 *                   ignore them quietly);
 *   ONSHI_EPERM     a request prefix with an unsafe id (empty, longer than
 *                   ONSHI_FILE_ID_MAX, a byte outside [A-Za-z0-9._+=@~-], a
 *                   leading '.', or "..") — msg says which.
 */
int onshi_file_name_classify(const char *name, enum onshi_msg_kind *kind,
			     char *id, size_t idlen, char *msg, size_t msglen);

/*
 * Build the result name for a request kind and id: "OQSsiquc01res_<id>.xml"
 * (face push: "OQSsiquc01res_face_<id>.xml"), "OQSmuquc01res_<id>.xml",
 * "OQSmuquc02res_<id>.xml". The id is checked as above. ONSHI_EINVAL for a
 * kind that is not a request, ONSHI_EPERM for an unsafe id, ONSHI_ETOOBIG
 * when out is too small.
 */
int onshi_file_name_result(enum onshi_msg_kind kind, const char *id, bool face,
			   char *out, size_t outlen);

/* Build "<request base name>.err", e.g. "OQSsiquc01req_<id>.err". */
int onshi_file_name_error(enum onshi_msg_kind kind, const char *id, char *out,
			  size_t outlen);

#ifdef __cplusplus
}
#endif
#endif /* ONSHI_MESSAGE_H */
