#!/usr/bin/env python3
"""Generates the labelled PII and secrets evaluation set: dev.jsonl and test.jsonl.

    python3 -m venv /tmp/pii && /tmp/pii/bin/pip install -r load-tests/corpora/pii/requirements.txt
    /tmp/pii/bin/pip download --no-deps -d /tmp/pii-wheel presidio-evaluator==0.3.2
    /tmp/pii/bin/python load-tests/corpora/pii/generate.py /tmp/pii-wheel/presidio_evaluator-0.3.2-py3-none-any.whl

Deterministic: every random choice comes from generators seeded per sample, so the same versions
give byte-identical files. See SOURCES.md for what each part is and where it comes from.

Each line: {"id", "split", "lang", "group", "source", "text", "entities": [{"type", "start",
"end", "value"}], "context"} with start/end in code points (Python string indices). Entity types
are jrego's type ids. Values are labelled valid by python-stdnum (or by construction for secrets),
never by jrego's own code.
"""
import base64
import datetime
import hashlib
import hmac
import json
import random
import string
import sys
import zipfile
import zlib
from pathlib import Path

from faker import Faker
from stdnum import iban as std_iban, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn as std_ssn

HERE = Path(__file__).parent
TEST_SHARE = 6  # of 10: the held-out test split


def ok(module, value):
    try:
        module.validate(value)
        return True
    except Exception:
        return False


class Gen:
    """Value generators; each returns a value python-stdnum accepts (or rejects, for invalid_*)."""

    def __init__(self, rng: random.Random):
        self.r = rng

    def digits(self, n):
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def until(self, make, check):
        for _ in range(10000):
            v = make()
            if check(v):
                return v
        raise RuntimeError("generator gave up")

    # --- validated national ids -------------------------------------------------------------
    def uk_nino(self):
        first = "ABCEGHJKLMNOPRSTWXYZ"
        second = "ABCEGHJKLMNPRSTWXYZ"
        while True:
            p = self.r.choice(first) + self.r.choice(second)
            if p not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
                break
        d = self.digits(6)
        s = self.r.choice("ABCD")
        return self.r.choice([f"{p}{d}{s}", f"{p} {d[:2]} {d[2:4]} {d[4:]} {s}"])

    def uk_nhs(self):
        v = self.until(lambda: self.digits(10), lambda x: ok(nhs, x))
        return self.r.choice([v, f"{v[:3]} {v[3:6]} {v[6:]}"])

    def de_tax_id(self):
        v = self.until(lambda: self.r.choice("123456789") + self.digits(10), lambda x: ok(idnr, x))
        return self.r.choice([v, v, f"{v[:2]} {v[2:5]} {v[5:8]} {v[8:]}"])

    def fr_nir(self):
        def make():
            body = self.r.choice("12") + self.digits(2) + "%02d" % self.r.randint(1, 12) + "%02d" % self.r.randint(1, 95) + self.digits(6)
            return body + nir.calc_check_digits(body)
        v = self.until(make, lambda x: ok(nir, x))
        return self.r.choice([v, f"{v[0]} {v[1:3]} {v[3:5]} {v[5:7]} {v[7:10]} {v[10:13]} {v[13:]}"])

    def es_dni(self):
        return self.until(lambda: self.digits(8) + self.r.choice(string.ascii_uppercase), lambda x: ok(dni, x))

    def es_nie(self):
        b = self.r.choice("XYZ") + self.digits(7)
        return b + nie.calc_check_digit(b)

    def it_fiscal_code(self):
        def make():
            letters = "".join(self.r.choice(string.ascii_uppercase) for _ in range(6))
            day = self.r.randint(1, 28) + self.r.choice([0, 40])
            body = letters + self.digits(2) + self.r.choice("ABCDEHLMPRST") + "%02d" % day + self.r.choice(string.ascii_uppercase) + self.digits(3)
            return body + codicefiscale.calc_check_digit(body)
        return self.until(make, lambda x: ok(codicefiscale, x))

    def nl_bsn(self):
        return self.until(lambda: self.digits(9), lambda x: ok(bsn, x))

    def in_aadhaar(self):
        v = self.until(lambda: self.r.choice("23456789") + self.digits(11), lambda x: ok(aadhaar, x))
        return self.r.choice([v, f"{v[:4]} {v[4:8]} {v[8:]}", f"{v[:4]} {v[4:8]} {v[8:]}"])

    def us_ssn(self):
        v = self.until(lambda: self.digits(9), lambda x: ok(std_ssn, x))
        return self.r.choice([f"{v[:3]}-{v[3:5]}-{v[5:]}", f"{v[:3]}-{v[3:5]}-{v[5:]}", f"{v[:3]} {v[3:5]} {v[5:]}"])

    # --- checksum-invalid lookalikes ----------------------------------------------------------
    def invalid(self, make, module):
        return self.until(make, lambda x: not ok(module, x.replace(" ", "").replace("-", "")))

    def card(self, fake):
        kind = self.r.choice(["visa16", "mastercard", "amex", "discover", "jcb", "diners", "visa16", "mastercard"])
        v = fake.credit_card_number(card_type=kind)
        # Faker's JCB numbers start with any 35xx; JCB's range is 3528-3589: draw again.
        while kind == "jcb" and not 3528 <= int(v[:4]) <= 3589:
            v = fake.credit_card_number(card_type=kind)
        assert luhn.is_valid(v), v
        style = self.r.random()
        if len(v) == 16 and style < 0.4:
            sep = self.r.choice([" ", "-"])
            v = sep.join(v[i:i + 4] for i in range(0, 16, 4))
        elif len(v) == 15 and style < 0.3:
            v = f"{v[:4]} {v[4:10]} {v[10:]}"
        return v

    def iban(self, fake):
        v = fake.iban()
        assert ok(std_iban, v), v
        if self.r.random() < 0.5:
            v = " ".join(v[i:i + 4] for i in range(0, len(v), 4))
        return v

    # --- secrets -------------------------------------------------------------------------------
    def rand(self, alphabet, n):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def github(self):
        alnum = string.ascii_letters + string.digits
        body = self.rand(alnum, 30)
        crc = zlib.crc32(body.encode())
        b62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
        out = ""
        for _ in range(6):
            out = b62[crc % 62] + out
            crc //= 62
        return self.r.choice(["ghp_", "gho_", "ghs_"]) + body + out

    def secret(self, kind):
        alnum = string.ascii_letters + string.digits
        if kind == "aws_access_key":
            return self.r.choice(["AKIA", "ASIA"]) + self.rand(string.ascii_uppercase + "234567", 16)
        if kind == "github_token":
            return self.github()
        if kind == "gitlab_token":
            return "glpat-" + self.rand(alnum + "_-", 20)
        if kind == "slack_token":
            return self.r.choice(["xoxb-", "xoxp-"]) + self.digits(12) + "-" + self.digits(13) + "-" + self.rand(alnum, 24)
        if kind == "stripe_key":
            return self.r.choice(["sk_live_", "rk_live_", "sk_test_"]) + self.rand(alnum, 24)
        if kind == "openai_key":
            return self.r.choice(["sk-proj-", "sk-svcacct-"]) + self.rand(alnum + "_-", 48)
        if kind == "anthropic_key":
            return "sk-ant-api03-" + self.rand(alnum + "_-", 93) + "AA"
        if kind == "google_token":
            return "AIza" + self.rand(alnum + "_-", 35)
        if kind == "jwt":
            def b64(obj):
                return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()
            h = b64({"alg": self.r.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"})
            p = b64({"sub": self.digits(8), "iat": 1700000000 + self.r.randint(0, 10**7), "scope": "read"})
            sig = base64.urlsafe_b64encode(hmac.new(self.rand(alnum, 16).encode(), f"{h}.{p}".encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
            return f"{h}.{p}.{sig}"
        if kind == "private_key":
            label = self.r.choice(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
            body = "\n".join(self.rand(string.ascii_letters + string.digits + "+/", 64) for _ in range(self.r.randint(3, 8)))
            return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"
        if kind == "generic_secret":
            return self.rand(alnum, self.r.randint(20, 40))
        raise ValueError(kind)


# Templates: (type, lang, context, text with {} where the value goes).
ID_TEMPLATES = [
    ("uk_nino", "en", True, "My National Insurance number is {}."),
    ("uk_nino", "en", True, "NINO: {}"),
    ("uk_nino", "en", True, "Please update the NI number on file to {} before payroll runs."),
    ("uk_nino", "en", False, "Employee record: Sarah Jones, {}, started 2021."),
    ("uk_nhs", "en", True, "Patient NHS number {} needs a follow-up appointment."),
    ("uk_nhs", "en", True, "My NHS no. is {}"),
    ("uk_nhs", "en", True, "Can you find the health record for NHS {}?"),
    ("uk_nhs", "en", False, "Ref {} was referred to cardiology."),
    ("de_tax_id", "de", True, "Meine Steuer-ID lautet {}."),
    ("de_tax_id", "de", True, "Steueridentifikationsnummer: {}"),
    ("de_tax_id", "de", True, "Bitte tragen Sie die IdNr {} in das Formular ein."),
    ("de_tax_id", "en", True, "Her German tax ID is {}."),
    ("de_tax_id", "de", False, "Vorgang {} wurde abgeschlossen."),
    ("fr_nir", "fr", True, "Mon numéro de sécurité sociale est le {}."),
    ("fr_nir", "fr", True, "NIR : {}"),
    ("fr_nir", "fr", True, "Voici mon numéro de sécu {} pour le remboursement."),
    ("fr_nir", "fr", False, "Dossier {} transmis au service."),
    ("es_dni", "es", True, "Mi DNI es {}."),
    ("es_dni", "es", True, "NIF: {}"),
    ("es_dni", "es", True, "Adjunto el documento de identidad {} para el contrato."),
    ("es_dni", "es", False, "Cliente {} dado de alta ayer."),
    ("es_nie", "es", True, "Mi NIE es {}."),
    ("es_nie", "es", True, "Número de identidad de extranjero: {}"),
    ("es_nie", "es", False, "Registro {} completado."),
    ("it_fiscal_code", "it", True, "Il mio codice fiscale è {}."),
    ("it_fiscal_code", "it", True, "CF: {}"),
    ("it_fiscal_code", "it", False, "Intestatario {} presso la filiale di Roma."),
    ("nl_bsn", "nl", True, "Mijn BSN is {}."),
    ("nl_bsn", "nl", True, "Burgerservicenummer: {}"),
    ("nl_bsn", "nl", True, "Kunt u het sofinummer {} controleren?"),
    ("nl_bsn", "nl", False, "Dossier {} is afgesloten."),
    ("in_aadhaar", "en", True, "My Aadhaar number is {}."),
    ("in_aadhaar", "en", True, "Aadhaar: {}"),
    ("in_aadhaar", "en", True, "Link UID {} to my bank account please."),
    ("in_aadhaar", "en", False, "Customer {} requested a callback."),
    ("us_ssn", "en", True, "My social security number is {}."),
    ("us_ssn", "en", True, "SSN: {}"),
    ("us_ssn", "en", False, "Applicant {} passed the background check."),
]

CONTACT_TEMPLATES = [
    ("email", "de", True, "Meine E-Mail-Adresse ist {}."),
    ("email", "fr", True, "Écrivez-moi à l'adresse {} s'il vous plaît."),
    ("email", "es", True, "Mi correo es {}."),
    ("email", "it", True, "Il mio indirizzo email è {}."),
    ("email", "nl", True, "Mijn e-mailadres is {}."),
    ("email", "en", False, "cc {} on the thread"),
    ("phone", "de", True, "Rufen Sie mich unter {} an."),
    ("phone", "fr", True, "Mon numéro de téléphone est le {}."),
    ("phone", "es", True, "Llámame al {}."),
    ("phone", "it", True, "Il mio numero di telefono è {}."),
    ("phone", "nl", True, "U kunt mij bellen op {}."),
    ("phone", "en", True, "Call me on {} after 5pm."),
    ("card", "de", True, "Meine Kreditkartennummer ist {}."),
    ("card", "fr", True, "Ma carte de crédit : {}"),
    ("card", "es", True, "El número de mi tarjeta es {}."),
    ("card", "it", True, "La mia carta di credito è {}."),
    ("card", "en", False, "Charge {} for the order."),
    ("iban", "de", True, "Bitte überweisen Sie auf das Konto {}."),
    ("iban", "fr", True, "Mon IBAN est {}."),
    ("iban", "es", True, "Mi cuenta es {}."),
    ("iban", "it", True, "Il mio IBAN è {}."),
    ("iban", "nl", True, "Mijn rekeningnummer is {}."),
    ("iban", "en", False, "Send it to {} by Friday."),
    ("ip", "en", True, "The server at {} keeps timing out."),
    ("ip", "de", True, "Die IP-Adresse {} ist gesperrt."),
    ("ip", "en", False, "ping {} -c 3"),
]

SECRET_TEMPLATES = [
    ("aws_access_key", "export AWS_ACCESS_KEY_ID={}"),
    ("aws_access_key", "Why does boto3 reject my key {} with InvalidClientTokenId?"),
    ("github_token", "git clone https://{}@github.com/acme/app.git fails, help"),
    ("github_token", "My GitHub token is {}, is it expired?"),
    ("gitlab_token", "curl --header \"PRIVATE-TOKEN: {}\" https://gitlab.example.com/api/v4/projects"),
    ("slack_token", "The bot uses {} but gets not_authed."),
    ("stripe_key", "stripe.api_key = \"{}\""),
    ("stripe_key", "Is {} a live key?"),
    ("openai_key", "OPENAI_API_KEY={}"),
    ("openai_key", "Here is my OpenAI key {} can you test it"),
    ("anthropic_key", "client = anthropic.Anthropic(api_key=\"{}\")"),
    ("google_token", "Maps says the key {} is not authorized."),
    ("jwt", "Decode this token for me: {}"),
    ("jwt", "Authorization header was Bearer {} and it returned 401"),
    ("private_key", "Here is the key for the deploy server:\n{}\nplease add it"),
    ("generic_secret", "db:\n  password: {}\n  host: db.internal"),
    ("generic_secret", "{{\"client_secret\": \"{}\", \"grant_type\": \"client_credentials\"}}"),
    ("generic_secret", "API_KEY={} python run.py"),
]

NEGATIVE_TEMPLATES = [
    "Where is my order {order}? It has not arrived.",
    "Order #{n9} was shipped yesterday.",
    "Invoice {inv} is due on {date}.",
    "Please upgrade from version {ver} to {ver2}.",
    "We run kernel {ver4} on all nodes.",
    "The build {build} failed at {ts}.",
    "Logged at {ts}, request id {uuid}.",
    "Commit {sha} fixed the regression.",
    "The file hash is {sha256}.",
    "md5 checksum {md5}",
    "Tracking number {n12} shows no update.",
    "ISBN {isbn} is out of print.",
    "The total was {price} including VAT.",
    "Meet at {time} on {date2}.",
    "Coordinates: {lat}, {lon}",
    "Use `for i in range({n3}): total += i * {n4}`",
    "int[] a = new int[{n4}]; a[{n2}] = {n9};",
    "SELECT * FROM orders WHERE id = {n9} AND status = 'open';",
    "Error code 0x{hex8} at address 0x{hex8b}",
    "The card ending in {n4} was declined.",
    "My card number is {badcard}, is that right?",
    "Transfer to {badiban} failed.",
    "SSN {badssn} was rejected as invalid.",
    "My BSN is {badbsn}.",
    "Mijn BSN is {badbsn}, klopt dat?",
    "Meine Steuer-ID ist {badidnr}.",
    "NHS number {badnhs} is not recognised.",
    "Aadhaar {badaadhaar} failed verification.",
    "Il codice fiscale {badcf} non è valido.",
    "Mi DNI es {baddni}.",
    "Random reference: {n9}",
    "Account {n11} closed.",
    "Session {uuid} expired.",
    "The answer is {n9} apples and {n2} pears.",
    "Base64 of hello world is aGVsbG8gd29ybGQ=",
    "Set max_tokens: {n4} and temperature: 0.{n1}",
    "Use the @Override annotation and std::vector<int> v({n2});",
    "Contact support via the help page, not by email.",
    "Population grew from {n7} to {n7b} between {y1} and {y2}.",
    "Version {ver4} of the firmware fixes the bug.",
    "Phone numbers are not allowed in this field.",
    "The API key goes in the header; never paste it here.",
    "password: ********",
    "token = get_token(user_id)",
    "Order ORD-{n8}-{n4} confirmed.",
    "Room {n3}, floor {n1}, building {n2}.",
    "From {n7} to {n7b} in {n2} days.",
    "Package {pkg}=={ver} pinned in requirements.txt",
    "Server listening on port {n4}",
]


def fill_negative(t, g: Gen, fake):
    r = g.r
    def bad_card():
        return g.until(lambda: r.choice(["4", "51", "37", "6011"]) + g.digits(12 if True else 0), lambda x: not luhn.is_valid(x)).ljust(16, "0")[:16]
    values = {
        "order": str(r.randint(10000, 99999)),
        "n1": g.digits(1), "n2": str(r.randint(10, 99)), "n3": str(r.randint(100, 999)), "n4": str(r.randint(1000, 9999)),
        "n7": str(r.randint(1000000, 9999999)), "n7b": str(r.randint(1000000, 9999999)),
        "n8": g.digits(8), "n9": g.digits(9), "n11": g.digits(11), "n12": g.digits(12),
        "inv": f"{r.randint(2019, 2026)}-{g.digits(6)}",
        "date": f"{r.randint(2019, 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
        "date2": f"{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.{r.randint(2019, 2026)}",
        "ver": f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 20)}",
        "ver2": f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 20)}",
        "ver4": f"{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 99)}.{r.randint(1, 9999)}",
        "build": f"{r.randint(1, 9)}.{r.randint(0, 9)}.{g.digits(5)}",
        "ts": f"{r.randint(2019, 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z",
        "time": f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
        "uuid": str(fake.uuid4()),
        "sha": fake.sha1(), "sha256": fake.sha256(), "md5": fake.md5(),
        "isbn": fake.isbn13(),
        "price": f"€{r.randint(1, 9999)},{r.randint(0, 99):02d}",
        "lat": f"{r.uniform(-90, 90):.6f}", "lon": f"{r.uniform(-180, 180):.6f}",
        "hex8": g.rand("0123456789abcdef", 8), "hex8b": g.rand("0123456789abcdef", 8),
        "y1": str(r.randint(1950, 1990)), "y2": str(r.randint(1991, 2025)),
        "pkg": r.choice(["requests", "numpy", "flask", "django"]),
        "badcard": bad_card(),
        "badiban": g.until(lambda: "DE" + g.digits(20), lambda x: not ok(std_iban, x)),
        "badssn": r.choice(["000", "666", "9" + g.digits(2)]) + "-" + g.digits(2) + "-" + g.digits(4),
        "badbsn": g.until(lambda: g.digits(9), lambda x: not ok(bsn, x)),
        "badidnr": g.until(lambda: r.choice("123456789") + g.digits(10), lambda x: not ok(idnr, x)),
        "badnhs": g.until(lambda: g.digits(10), lambda x: not ok(nhs, x)),
        "badaadhaar": g.until(lambda: r.choice("23456789") + g.digits(11), lambda x: not ok(aadhaar, x)),
        "badcf": g.until(lambda: "RSSMRA" + g.digits(2) + "A" + "%02d" % r.randint(1, 28) + "H501" + r.choice(string.ascii_uppercase), lambda x: not ok(codicefiscale, x)),
        "baddni": g.until(lambda: g.digits(8) + r.choice(string.ascii_uppercase), lambda x: not ok(dni, x)),
    }
    return t.format(**values)


PRESIDIO_TYPES = {"credit_card_number": "card", "phone_number": "phone", "email": "email", "iban": "iban", "ssn": "us_ssn", "ip_address": "ip"}
PHONE_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_IN"]
IBAN_LOCALES = ["de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "en_GB", "de_AT", "de_CH", "pl_PL", "pt_PT"]
LANG_LOCALE = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT", "nl": "nl_NL"}
NATIONALITIES = ["German", "French", "Italian", "Spanish", "Dutch", "Indian", "American", "British"]


def group_of(t):
    if t in ("card", "iban"):
        return "financial"
    if t in ("email", "phone", "ip"):
        return "contact"
    if t in ("aws_access_key", "github_token", "gitlab_token", "slack_token", "stripe_key", "openai_key", "anthropic_key", "google_token", "jwt", "private_key", "generic_secret"):
        return "secret"
    return "national_id"


def value_for(kind, g: Gen, seed):
    if kind == "card":
        f = Faker("en_US"); f.seed_instance(seed)
        return g.card(f)
    if kind == "iban":
        f = Faker(g.r.choice(IBAN_LOCALES)); f.seed_instance(seed)
        return g.iban(f)
    if kind == "phone":
        f = Faker(g.r.choice(PHONE_LOCALES)); f.seed_instance(seed)
        return f.phone_number()
    if kind == "email":
        f = Faker(g.r.choice(["en_US", "de_DE", "fr_FR"])); f.seed_instance(seed)
        return f.email()
    if kind == "ip":
        f = Faker("en_US"); f.seed_instance(seed)
        return f.ipv4() if g.r.random() < 0.7 else f.ipv6()
    if kind == "us_ssn":
        return g.us_ssn()
    return getattr(g, kind)()


def other_value(name, fake, r):
    special = {
        "person": fake.name, "organization": fake.company, "age": lambda: str(r.randint(18, 90)),
        "nationality": lambda: r.choice(NATIONALITIES), "nation_woman": lambda: r.choice(NATIONALITIES) + " woman",
        "nation_plural": lambda: r.choice(NATIONALITIES) + "s", "us_driver_license": lambda: r.choice(string.ascii_uppercase) + "".join(r.choice(string.digits) for _ in range(7)),
        # Fixed ranges: Faker's defaults are relative to today, which would change the output.
        "date_time": lambda: str(fake.date_time_between(datetime.datetime(1980, 1, 1), datetime.datetime(2024, 12, 31))),
        "date_of_birth": lambda: str(fake.date_between(datetime.date(1940, 1, 1), datetime.date(2005, 12, 31))),
        "year": lambda: str(r.randint(1950, 2024)), "first_name_nonbinary": fake.first_name, "street_name": fake.street_name,
    }
    if name in special:
        return special[name]()
    return str(getattr(fake, name)())


def render(template, slots):
    """Fills {{name}} slots left to right; returns text and the spans of labelled slots."""
    out, ents, i = "", [], 0
    while True:
        j = template.find("{{", i)
        if j < 0:
            out += template[i:]
            return out, ents
        k = template.index("}}", j)
        out += template[i:j]
        name = template[j + 2:k].strip()
        value, label = slots(name)
        start = len(out)
        out += value
        if label:
            ents.append({"type": label, "start": start, "end": len(out), "value": value})
        i = k + 2


def split_of(sid):
    return "test" if int(hashlib.sha1(sid.encode()).hexdigest(), 16) % 10 < TEST_SHARE else "dev"


def main():
    wheel = Path(sys.argv[1])
    with zipfile.ZipFile(wheel) as z:
        templates = z.read("presidio_evaluator/data_generator/raw_data/templates.txt").decode("utf-8", "replace").splitlines()
    templates = [t.replace("\\n", "\n").replace("\\,", ",").strip() for t in templates if t.strip()]
    samples = []

    def add(sid, lang, source, text, ents, context):
        groups = sorted({group_of(e["type"]) for e in ents}) or ["none"]
        samples.append({"id": sid, "split": split_of(sid), "lang": lang, "group": ",".join(groups), "source": source,
                        "text": text, "entities": ents, "context": context})

    # A. presidio-evaluator's templates, eight fillings each.
    for ti, tpl in enumerate(templates):
        for rep in range(8):
            seed = ti * 100 + rep
            g = Gen(random.Random(seed))
            fake = Faker("en_US"); fake.seed_instance(seed)
            def slots(name):
                if name in PRESIDIO_TYPES:
                    t = PRESIDIO_TYPES[name]
                    return value_for(t, g, seed), t
                return other_value(name, fake, g.r), None
            text, ents = render(tpl, slots)
            add(f"presidio-{ti}-{rep}", "en", f"presidio-evaluator templates.txt line {ti + 1}", text, ents, None)

    # B. national ids, contact and financial data in six languages.
    for ti, (kind, lang, context, tpl) in enumerate(ID_TEMPLATES + CONTACT_TEMPLATES):
        for rep in range(30 if kind not in ("email", "phone", "card", "iban", "ip") else 15):
            seed = 100000 + ti * 100 + rep
            g = Gen(random.Random(seed))
            v = value_for(kind, g, seed)
            start = tpl.index("{}")
            text = tpl.replace("{}", v)
            add(f"ids-{ti}-{rep}", lang, "jrego template", text, [{"type": kind, "start": start, "end": start + len(v), "value": v}], context)

    # C. secrets.
    for ti, (kind, tpl) in enumerate(SECRET_TEMPLATES):
        for rep in range(15):
            seed = 200000 + ti * 100 + rep
            g = Gen(random.Random(seed))
            v = g.secret(kind)
            pre = tpl.split("{}")[0].replace("{{", "{").replace("}}", "}")
            text = tpl.replace("{}", "\u0000").replace("{{", "{").replace("}}", "}").replace("\u0000", v)
            add(f"secret-{ti}-{rep}", "en", "jrego template", text, [{"type": kind, "start": len(pre), "end": len(pre) + len(v), "value": v}], None)

    # D. negatives: text that looks like PII and is not (or fails its checksum).
    for ti, tpl in enumerate(NEGATIVE_TEMPLATES):
        for rep in range(25):
            seed = 300000 + ti * 100 + rep
            g = Gen(random.Random(seed))
            fake = Faker("en_US"); fake.seed_instance(seed)
            lang = "nl" if "Mijn" in tpl else "de" if "Meine" in tpl else "it" if "Il codice" in tpl else "es" if "Mi DNI" in tpl else "en"
            add(f"neg-{ti}-{rep}", lang, "jrego negative template", fill_negative(tpl, g, fake), [], None)

    for name in ("dev", "test"):
        rows = [s for s in samples if s["split"] == name]
        with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for s in rows:
                s = dict(s)
                del s["split"]
                f.write(json.dumps(s, ensure_ascii=False, sort_keys=True) + "\n")
        print(name, len(rows), "samples,", sum(len(s["entities"]) for s in rows), "entities")


if __name__ == "__main__":
    main()
