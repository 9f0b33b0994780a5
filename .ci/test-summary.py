#!/usr/bin/env python3
"""Adds up every Surefire/Failsafe report under */target and prints one closing line:
'N passed, N failed, N skipped' (errors count as failed)."""
import glob
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in glob.glob("*/target/*-reports/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    tests = int(suite.get("tests", 0))
    f = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    s = int(suite.get("skipped", 0))
    passed += tests - f - s
    failed += f
    skipped += s
print(f"{passed} passed, {failed} failed, {skipped} skipped")
