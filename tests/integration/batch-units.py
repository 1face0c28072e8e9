#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""batch-units.py — the batch tests' persons and their check, from the
simulator's dataset (onshi-qsd --dump-dataset), never from onshi's own
writer:

  batch-units.py csv PERSONS.tsv N          N CSV lines cycling through the
                                            persons of a known outcome
  batch-units.py xml PERSONS.tsv N CODE     the same persons as one
                                            OQSmuquc01req document, shaped
                                            as receipt-computer software
                                            writes it (CRLF, indentation,
                                            a space before '>')
  batch-units.py check PERSONS.tsv BATCH.csv FETCH.out [FIRST LAST TEXT]
                                            every unit line of `onshictl
                                            batch fetch` against the
                                            dataset, in order; units FIRST..
                                            LAST (from 1) must instead be
                                            error units whose message holds
                                            TEXT
  batch-units.py check-xml PERSONS.tsv BATCH.csv RES.xml
                                            a folder's OQSmuquc02res as a
                                            receipt computer reads it: one
                                            BulkConfirmUnit per person in
                                            order, its search echoed, its
                                            validity and name as the dataset
                                            says, and the header's counts
"""
import re
import sys

WORDS = {"1": "valid", "2": "invalid", "3": "invalid (newer exists)",
         "4": "no such qualification", "5": "several match",
         "6": "valid (unregistered)"}


def rows_of(path):
    return [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8")
            if not l.startswith("#")]


def key_of(r):
    """insurer, symbol, number, branch, birth of a dataset row."""
    return (r[3].strip(), "" if r[4] == "-" else r[4], r[5], r[6], r[7])


def persons(path, n):
    pick = [r for r in rows_of(path)
            if r[1] in ("valid", "expired", "lost", "newer", "missing")]
    return [key_of(pick[i % len(pick)]) for i in range(n)]


def make_csv(path, n):
    for k in persons(path, n):
        print(",".join(k))


def make_xml(path, n, code):
    out = ["<?xml version='1.0' encoding='UTF-8' ?>", "<XmlMsg>",
           "  <MessageHeader >",
           "    <MedicalInstitutionCode >%s</MedicalInstitutionCode >" % code,
           "    <ArbitraryFileIdentifier >SPLIT</ArbitraryFileIdentifier >",
           "  </MessageHeader >", "  <MessageBody >"]
    for ins, sym, num, br, birth in persons(path, n):
        out.append("    <QualificationConfirmSearchInfo >")
        out.append("      <InsurerNumber >%s</InsurerNumber >" % ins)
        out.append("      <InsuredCardSymbol >%s</InsuredCardSymbol >" % sym
                   if sym else "      <InsuredCardSymbol />")
        out.append("      <InsuredIdentificationNumber >%s</InsuredIdentificationNumber >" % num)
        out.append("      <InsuredBranchNumber >%s</InsuredBranchNumber >" % br)
        out.append("      <Birthdate >%s</Birthdate >" % birth)
        out.append("    </QualificationConfirmSearchInfo >")
    out += ["  </MessageBody >", "</XmlMsg>", ""]
    sys.stdout.buffer.write("\r\n".join(out).encode("utf-8"))


def check(tsv, csv, fetched, first=0, last=-1, text=""):
    by_key = {}
    for r in rows_of(tsv):
        by_key.setdefault(key_of(r), []).append(r)
    batch = [tuple(l.rstrip("\n").split(",")) for l in open(csv, encoding="utf-8")]
    lines = [l for l in open(fetched, encoding="utf-8").read().split("\n")[1:] if l]
    if len(lines) != len(batch):
        sys.exit("%d unit lines for %d persons" % (len(lines), len(batch)))
    unit = re.compile(r"^ *(\d+)  (.{22}) (\S+) +(.*)$")
    for i, (line, key) in enumerate(zip(lines, batch)):
        m = unit.match(line)
        if not m or int(m.group(1)) != i + 1:
            sys.exit("unit %d: bad line %r" % (i + 1, line))
        if m.group(3) != key[2]:
            sys.exit("unit %d: number %s, asked %s" % (i + 1, m.group(3), key[2]))
        if first <= i + 1 <= last:
            if m.group(2).strip() != "-" or text not in m.group(4):
                sys.exit("unit %d: not an error unit saying %r: %r" % (i + 1, text, line))
            continue
        recs = by_key.get(key, [])
        want = WORDS["4"] if not recs or recs[0][1] == "missing" else WORDS[recs[0][2]]
        if m.group(2).strip() != want:
            sys.exit("unit %d: validity %r, dataset says %r (%r)" % (i + 1, m.group(2), want, key))
        if recs and recs[0][1] != "missing" and not m.group(4).startswith(recs[0][8]):
            sys.exit("unit %d: name %r, dataset says %r" % (i + 1, m.group(4), recs[0][8]))


def check_xml(tsv, csv, res):
    import xml.etree.ElementTree as ET
    by_key = {}
    for r in rows_of(tsv):
        by_key.setdefault(key_of(r), []).append(r)
    batch = [tuple(l.rstrip("\n").split(",")) for l in open(csv, encoding="utf-8")]
    root = ET.parse(res).getroot()
    head = root.find("MessageHeader")
    if head.findtext("SegmentOfResult") != "1":
        sys.exit("SegmentOfResult %r" % head.findtext("SegmentOfResult"))
    units = root.findall("MessageBody/BulkConfirmUnit")
    if len(units) != len(batch):
        sys.exit("%d BulkConfirmUnit for %d persons" % (len(units), len(batch)))
    counts = [int(head.findtext(k, "-1")) for k in
              ("NumberOfProcessingResult", "NumberOfNormalProcessing", "NumberOfError")]
    normal = 0
    for i, (u, key) in enumerate(zip(units, batch)):
        num = u.findtext("QualificationConfirmSearchInfo/InsuredIdentificationNumber")
        if num != key[2]:
            sys.exit("unit %d: search %r, asked %r" % (i + 1, num, key[2]))
        recs = by_key.get(key, [])
        want = "4" if not recs or recs[0][1] == "missing" else recs[0][2]
        if u.findtext("QualificationValidity") != want:
            sys.exit("unit %d: validity %r, dataset says %r" % (i + 1, u.findtext("QualificationValidity"), want))
        if recs and recs[0][1] != "missing":
            name = u.findtext("ResultOfQualificationConfirmation/Name")
            if name != recs[0][8]:
                sys.exit("unit %d: name %r, dataset says %r" % (i + 1, name, recs[0][8]))
        normal += u.findtext("ProcessingResultStatus") == "1"
    if counts != [len(batch), normal, len(batch) - normal]:
        sys.exit("header counts %r, the units say %r" % (counts, [len(batch), normal, len(batch) - normal]))


def main(argv):
    if len(argv) == 4 and argv[1] == "csv":
        make_csv(argv[2], int(argv[3]))
    elif len(argv) == 5 and argv[1] == "xml":
        make_xml(argv[2], int(argv[3]), argv[4])
    elif len(argv) == 5 and argv[1] == "check":
        check(argv[2], argv[3], argv[4])
    elif len(argv) == 5 and argv[1] == "check-xml":
        check_xml(argv[2], argv[3], argv[4])
    elif len(argv) == 8 and argv[1] == "check":
        check(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]), argv[7])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
