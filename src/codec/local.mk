# SPDX-License-Identifier: Apache-2.0
# libonshi-codec: the XmlMsg message model and codec (include/onshi/message.h):
# hardened XML reading, parser, writer, CP932 conversion, folder-interface
# file names; the XSDs and tests. The simulator links only this and util.
noinst_LTLIBRARIES += src/codec/libonshi-codec.la
src_codec_libonshi_codec_la_SOURCES = \
	src/codec/encoding.c src/codec/encoding.h \
	src/codec/xml_util.c src/codec/xml_util.h \
	src/codec/xmlmsg_internal.h \
	src/codec/xmlmsg_schema.c \
	src/codec/xmlmsg_check.c \
	src/codec/xmlmsg_values.c \
	src/codec/xmlmsg_model.c \
	src/codec/xmlmsg_parse.c \
	src/codec/xmlmsg_sax.c \
	src/codec/xmlmsg_write.c \
	src/codec/xmlmsg_stream.c src/codec/xmlmsg_stream.h \
	src/codec/xmlmsg_filename.c
src_codec_libonshi_codec_la_CFLAGS = $(AM_CFLAGS) $(XML_CFLAGS)
src_codec_libonshi_codec_la_LIBADD = src/util/libonshi-util.la $(XML_LIBS)

onshiinclude_HEADERS += include/onshi/message.h

# XSDs of what the writer produces; installed for receipt-computer vendors.
xsddir = $(pkgdatadir)/xsd
dist_xsd_DATA = \
	etc/xsd/xmlmsg-common.xsd \
	etc/xsd/OQSsiquc01req.xsd etc/xsd/OQSsiquc01res.xsd \
	etc/xsd/OQSmuquc01req.xsd etc/xsd/OQSmuquc01res.xsd \
	etc/xsd/OQSmuquc02req.xsd etc/xsd/OQSmuquc02res.xsd \
	etc/xsd/YZKsiquc01req.xsd etc/xsd/YZKsiquc01res.xsd \
	etc/xsd/TKKsiquc01req.xsd etc/xsd/TKKsiquc01res.xsd \
	etc/xsd/OQSmuonq01req.xsd etc/xsd/OQSmuonq01res.xsd \
	etc/xsd/OQSmuonq02req.xsd etc/xsd/OQSmuonq02res.xsd \
	etc/xsd/OQSmuhvq01req.xsd etc/xsd/OQSmuhvq01res.xsd \
	etc/xsd/OQSmuhvq02req.xsd etc/xsd/OQSmuhvq02res.xsd \
	etc/xsd/OQSmutic01req.xsd etc/xsd/OQSmutic01res.xsd \
	etc/xsd/OQSmutic02req.xsd etc/xsd/OQSmutic02res.xsd \
	etc/xsd/OQSsiimm01req.xsd etc/xsd/OQSsiimm01res.xsd \
	etc/xsd/OQSmuimm01req.xsd etc/xsd/OQSmuimm01res.xsd \
	etc/xsd/OQSmuimm02req.xsd etc/xsd/OQSmuimm02res.xsd \
	etc/xsd/onshi-error.xsd

# Batch documents a unit at a time (xmlmsg_stream.h), hostile ones too.
check_PROGRAMS += tests/unit/test_xmlmsg_stream
TESTS += tests/unit/test_xmlmsg_stream
tests_unit_test_xmlmsg_stream_SOURCES = tests/unit/test_xmlmsg_stream.c
tests_unit_test_xmlmsg_stream_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XML_CFLAGS)
tests_unit_test_xmlmsg_stream_LDADD = src/codec/libonshi-codec.la $(CMOCKA_LIBS) $(XML_LIBS)

# The SAX parse against the tree walk it replaced, on every fixture and
# on hostile variants of them.
check_PROGRAMS += tests/unit/test_xmlmsg_sax
TESTS += tests/unit/test_xmlmsg_sax
tests_unit_test_xmlmsg_sax_SOURCES = tests/unit/test_xmlmsg_sax.c
tests_unit_test_xmlmsg_sax_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFIXTURE_DIR='"$(abs_top_srcdir)/tests/fixtures"'
tests_unit_test_xmlmsg_sax_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XML_CFLAGS)
tests_unit_test_xmlmsg_sax_LDADD = src/codec/libonshi-codec.la $(CMOCKA_LIBS) $(XML_LIBS)

check_PROGRAMS += tests/unit/test_xmlmsg
TESTS += tests/unit/test_xmlmsg
tests_unit_test_xmlmsg_SOURCES = tests/unit/test_xmlmsg.c
tests_unit_test_xmlmsg_CPPFLAGS = $(AM_CPPFLAGS) \
	-DXMLMSG_FIXTURE_DIR='"$(abs_top_srcdir)/tests/fixtures/xmlmsg"' \
	-DCLIENTS_FIXTURE_DIR='"$(abs_top_srcdir)/tests/fixtures/clients"' \
	-DXMLMSG_XSD_DIR='"$(abs_top_srcdir)/etc/xsd"' \
	-DXMLMSG_EXAMPLE_DIR='"$(abs_top_srcdir)/docs/examples"'
tests_unit_test_xmlmsg_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XML_CFLAGS)
tests_unit_test_xmlmsg_LDADD = src/codec/libonshi-codec.la $(CMOCKA_LIBS) $(XML_LIBS)

EXTRA_DIST += \
	tests/fixtures/xmlmsg/billion_laughs.xml \
	tests/fixtures/xmlmsg/bulk1_req.xml \
	tests/fixtures/xmlmsg/bulk1_req_empty.xml \
	tests/fixtures/xmlmsg/bulk2_req.xml \
	tests/fixtures/xmlmsg/bulk2_res.xml \
	tests/fixtures/xmlmsg/bulk2_res_processing.xml \
	tests/fixtures/xmlmsg/req_bad_date.xml \
	tests/fixtures/xmlmsg/req_card_face.xml \
	tests/fixtures/xmlmsg/req_card_pin.xml \
	tests/fixtures/xmlmsg/req_card_pin_nosig.xml \
	tests/fixtures/xmlmsg/req_card_visual.xml \
	tests/fixtures/xmlmsg/req_dup_element.xml \
	tests/fixtures/xmlmsg/req_empty_elements.xml \
	tests/fixtures/xmlmsg/req_eucjp.xml \
	tests/fixtures/xmlmsg/req_insurer6.xml \
	tests/fixtures/xmlmsg/req_insurer_bad.xml \
	tests/fixtures/xmlmsg/req_insurer_space.xml \
	tests/fixtures/xmlmsg/req_insurer_zero.xml \
	tests/fixtures/xmlmsg/req_invalid_utf8.xml \
	tests/fixtures/xmlmsg/req_missing_insurer.xml \
	tests/fixtures/xmlmsg/req_reference.xml \
	tests/fixtures/xmlmsg/req_sjis.xml \
	tests/fixtures/xmlmsg/req_sjis_invalid.xml \
	tests/fixtures/xmlmsg/req_truncated.xml \
	tests/fixtures/xmlmsg/req_unknown_elements.xml \
	tests/fixtures/xmlmsg/req_utf16.xml \
	tests/fixtures/xmlmsg/req_utf8.xml \
	tests/fixtures/xmlmsg/req_utf8_but_sjis.xml \
	tests/fixtures/xmlmsg/req_windows31j.xml \
	tests/fixtures/xmlmsg/req_wrong_root.xml \
	tests/fixtures/xmlmsg/res_certificates.xml \
	tests/fixtures/xmlmsg/res_consent_spellings.xml \
	tests/fixtures/xmlmsg/res_reference.xml \
	tests/fixtures/xmlmsg/undeclared_entity.xml \
	tests/fixtures/xmlmsg/xinclude.xml \
	tests/fixtures/xmlmsg/xxe_dtd.xml \
	tests/fixtures/xmlmsg/xxe_file.xml \
	tests/fixtures/xmlmsg/xxe_param.xml

# Example files of the further kinds (docs/national-api.md, oqsfolder.md);
# test_xmlmsg parses, writes and validates each.
EXTRA_DIST += \
	docs/examples/YZKsiquc01req_0001.xml \
	docs/examples/YZKsiquc01res_0001.xml \
	docs/examples/YZKsiquc01res_0002.xml \
	docs/examples/TKKsiquc01req_0001.xml \
	docs/examples/TKKsiquc01res_0001.xml \
	docs/examples/OQSmuonq01req_0001.xml \
	docs/examples/OQSmuonq02req_0001.xml \
	docs/examples/OQSmuhvq01req_0001.xml \
	docs/examples/OQSmutic01req_0001.xml \
	docs/examples/OQSsiimm01req_0001.xml \
	docs/examples/OQSmuimm01req_0001.xml

# Request shapes of real receipt-computer clients (README.md there).
EXTRA_DIST += \
	tests/fixtures/clients/README.md \
	tests/fixtures/clients/filemaker_OQSsiquc01req.xml \
	tests/fixtures/clients/dotnet_sjis_OQSsiquc01req.xml \
	tests/fixtures/clients/dotnet_sjis_OQSsiquc01req.utf8 \
	tests/fixtures/clients/jsonnet_OQSsiquc01req.xml \
	tests/fixtures/clients/batch_fetch_body_OQSmuquc02req.xml \
	tests/fixtures/clients/batch_upload_OQSmuquc01req.xml \
	tests/fixtures/clients/batch_fetch_both_differ_OQSmuquc02req.xml
