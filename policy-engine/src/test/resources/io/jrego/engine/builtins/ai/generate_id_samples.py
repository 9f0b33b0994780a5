#!/usr/bin/env python3
"""Writes id-samples.json: identifiers that python-stdnum (an independent implementation of the
same published rules) judges valid or invalid, for ChecksumsTest.

    python3 -m venv /tmp/sn && /tmp/sn/bin/pip install python-stdnum==2.2
    /tmp/sn/bin/python policy-engine/src/test/resources/io/jrego/engine/builtins/ai/generate_id_samples.py

Candidates are drawn from a seeded generator; each is labelled by stdnum, so the file is the same
on every run. A test fails when jrego's rule and stdnum's disagree on any sample.
"""
import json
import random
import string
from pathlib import Path

from stdnum import iban, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn

OUT = Path(__file__).with_name("id-samples.json")
rng = random.Random(7)
PER_KIND = 60


def digits(n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def label(kind, make, check, want_valid=PER_KIND, want_invalid=PER_KIND, tries=200000):
    valid, invalid = [], []
    for _ in range(tries):
        c = make()
        ok = check(c)
        if ok and len(valid) < want_valid and c not in valid:
            valid.append(c)
        elif not ok and len(invalid) < want_invalid and c not in invalid:
            invalid.append(c)
        if len(valid) >= want_valid and len(invalid) >= want_invalid:
            break
    return {"kind": kind, "valid": valid, "invalid": invalid}


def fix_check(body, compute):
    return body + compute(body)


def stdnum_ok(module):
    def f(x):
        try:
            module.validate(x)
            return True
        except Exception:
            return False
    return f


def nie_make():
    return rng.choice("XYZ") + digits(7) + rng.choice(string.ascii_uppercase)


def nie_valid():
    b = rng.choice("XYZ") + digits(7)
    return b + nie.calc_check_digit(b)


def cf_make():
    # Shape-valid codes with a random or computed check character.
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(6))
    body = letters + digits(2) + rng.choice("ABCDEHLMPRST") + "%02d" % rng.choice(list(range(1, 32)) + list(range(41, 72))) + rng.choice(string.ascii_uppercase) + digits(3)
    if rng.random() < 0.5:
        return body + codicefiscale.calc_check_digit(body)
    return body + rng.choice(string.ascii_uppercase)


def nir_make():
    body = rng.choice("12") + digits(2) + "%02d" % rng.randint(1, 12) + "%02d" % rng.randint(1, 95) + digits(6)
    if rng.random() < 0.5:
        return body + nir.calc_check_digits(body)
    return body + digits(2)


def iban_make():
    country, length = rng.choice([("DE", 22), ("GB", 22), ("FR", 27), ("ES", 24), ("IT", 27), ("NL", 18), ("BE", 16), ("CH", 21), ("AT", 20), ("PL", 28)])
    if country == "GB":
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + digits(14)
    elif country == "NL":
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + digits(10)
    elif country == "IT":
        bban = rng.choice(string.ascii_uppercase) + digits(22)
    else:
        bban = digits(length - 4)
    if rng.random() < 0.5:
        return country + iban.calc_check_digits(country + "00" + bban) + bban
    return country + digits(2) + bban


def card_make():
    prefix = rng.choice(["4", "51", "55", "2221", "34", "37", "6011", "65", "3530", "36"])
    length = {"34": 15, "37": 15, "36": 14}.get(prefix, 16)
    body = prefix + digits(length - len(prefix) - 1)
    if rng.random() < 0.5:
        return body + luhn.calc_check_digit(body)
    return body + digits(1)


def main():
    kinds = [
        label("us_ssn", lambda: digits(9), stdnum_ok(ssn)),
        label("uk_nhs", lambda: digits(10), stdnum_ok(nhs)),
        label("de_tax_id", lambda: rng.choice("123456789") + digits(10), stdnum_ok(idnr)),
        label("fr_nir", nir_make, stdnum_ok(nir)),
        label("es_dni", lambda: digits(8) + rng.choice(string.ascii_uppercase), stdnum_ok(dni)),
        label("es_nie", lambda: nie_valid() if rng.random() < 0.5 else nie_make(), stdnum_ok(nie)),
        label("it_fiscal_code", cf_make, stdnum_ok(codicefiscale)),
        label("nl_bsn", lambda: digits(9), stdnum_ok(bsn)),
        label("in_aadhaar", lambda: rng.choice("23456789") + digits(11), stdnum_ok(aadhaar)),
        label("iban", iban_make, stdnum_ok(iban)),
        label("luhn", card_make, lambda x: luhn.is_valid(x)),
    ]
    OUT.write_text(json.dumps({"generator": "generate_id_samples.py with python-stdnum 2.2", "kinds": kinds}, indent=1) + "\n")
    for k in kinds:
        print(k["kind"], len(k["valid"]), len(k["invalid"]))


if __name__ == "__main__":
    main()
