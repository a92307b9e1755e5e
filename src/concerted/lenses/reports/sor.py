"""DSA statements of reasons: the EU Transparency Database's schema, as data, and its validator.

Art. 17 of the Digital Services Act requires a statement of reasons for every restriction a
platform imposes, and Art. 24(5) has platforms submit them, without personal data, to the
Commission's Transparency Database. The database validates each statement it receives; the rules
below are that validation, written as data, so that a file can be checked before it is sent.

Source of the rules (read, not copied): ``digital-services-act/transparency-database`` at commit
``69e80a0bc8eb3cbfbe8246e898194c3bdf490a4b`` (2026-06-24):

* ``app/Http/Requests/StatementStoreRequest.php``, ``rules()``: the fields, which are required,
  required with or without others (``required_without_all``, ``required_if``, ``requiredIf``),
  excluded unless another has a value (``exclude_unless``, ``excludeIf``), their maximum lengths,
  date formats and ranges, and the ``puid`` pattern;
* ``app/Models/Statement.php``: the allowed values (the keys of ``DECISION_VISIBILITIES``,
  ``DECISION_MONETARIES``, ``DECISION_PROVISIONS``, ``DECISION_ACCOUNTS``, ``ACCOUNT_TYPES``,
  ``KEYWORDS``, ``DECISION_GROUNDS``, ``CONTENT_TYPES``, ``STATEMENT_CATEGORIES``,
  ``SOURCE_TYPES``, ``AUTOMATED_DECISIONS``; the values of ``AUTOMATED_DETECTIONS`` and
  ``INCOMPATIBLE_CONTENT_ILLEGALS``);
* ``app/Services/EuropeanCountriesService.php`` (``EUROPEAN_COUNTRY_CODES``) and
  ``app/Services/EuropeanLanguagesService.php`` (the keys of ``ALL_LANGUAGES``);
* ``app/Http/Controllers/Api/v1/StatementAPIController.php``: a ``puid`` is unique per platform
  (checked here within the file).

Where the database is lenient this validator is stricter, so that what passes here passes there:
a field the database does not know is an error (the database would drop it silently), and so is a
field it would exclude (``illegal_content_*`` on a statement whose ground is incompatible content).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ...errors import SchemaError

SOURCE_COMMIT = "69e80a0bc8eb3cbfbe8246e898194c3bdf490a4b"

DECISION_VISIBILITIES = (
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
)
DECISION_MONETARIES = (
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
    "DECISION_MONETARY_OTHER",
)
DECISION_PROVISIONS = (
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
)
DECISION_ACCOUNTS = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
ACCOUNT_TYPES = ("ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE")
DECISION_GROUNDS = ("DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
CONTENT_TYPES = (
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
)
STATEMENT_CATEGORIES = tuple(
    "STATEMENT_CATEGORY_" + c
    for c in (
        "ANIMAL_WELFARE",
        "CONSUMER_INFORMATION",
        "CYBER_VIOLENCE",
        "CYBER_VIOLENCE_AGAINST_WOMEN",
        "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "ILLEGAL_OR_HARMFUL_SPEECH",
        "INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "NOT_SPECIFIED_NOTICE",
        "OTHER_VIOLATION_TC",
        "PROTECTION_OF_MINORS",
        "RISK_FOR_PUBLIC_SECURITY",
        "SCAMS_AND_FRAUD",
        "SELF_HARM",
        "UNSAFE_AND_PROHIBITED_PRODUCTS",
        "VIOLENCE",
    )
)
KEYWORDS = tuple(
    "KEYWORD_" + k
    for k in (
        "ADULT_SEXUAL_MATERIAL AGE_SPECIFIC_RESTRICTIONS AGE_SPECIFIC_RESTRICTIONS_MINORS "
        "ANIMAL_HARM BIOMETRIC_DATA_BREACH BULLYING_AGAINST_GIRLS CHILD_SEXUAL_ABUSE_MATERIAL "
        "CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE CONTENT_PROMOTING_EATING_DISORDERS COORDINATED_HARM "
        "COPYRIGHT_INFRINGEMENT CYBER_BULLYING_INTIMIDATION CYBER_HARASSMENT "
        "CYBER_HARASSMENT_AGAINST_WOMEN CYBER_INCITEMENT CYBER_STALKING "
        "CYBER_STALKING_AGAINST_WOMEN DATA_FALSIFICATION DEFAMATION DESIGN_INFRINGEMENT "
        "DISCRIMINATION FEMALE_GENDERED_DISINFORMATION GEOGRAPHIC_INDICATIONS_INFRINGEMENT "
        "GEOGRAPHICAL_REQUIREMENTS GOODS_SERVICES_NOT_PERMITTED GROOMING_SEXUAL_ENTICEMENT_MINORS "
        "HATE_SPEECH HIDDEN_ADVERTISEMENT HUMAN_EXPLOITATION HUMAN_TRAFFICKING "
        "ILLEGAL_ORGANIZATIONS IMPERSONATION_ACCOUNT_HIJACKING INAUTHENTIC_ACCOUNTS "
        "INAUTHENTIC_LISTINGS INAUTHENTIC_USER_REVIEWS INCITEMENT_AGAINST_WOMEN "
        "INCITEMENT_VIOLENCE_HATRED INSUFFICIENT_INFORMATION_ON_TRADERS LANGUAGE_REQUIREMENTS "
        "MISINFORMATION_DISINFORMATION MISLEADING_INFO_CONSUMER_RIGHTS "
        "MISLEADING_INFO_GOODS_SERVICES MISSING_PROCESSING_GROUND NON_CONSENSUAL_IMAGE_SHARING "
        "NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN NON_CONSENSUAL_MATERIAL_DEEPFAKE "
        "NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN NONCOMPLIANCE_PRICING NUDITY "
        "PATENT_INFRINGEMENT PHISHING PROHIBITED_PRODUCTS PYRAMID_SCHEMES RIGHT_TO_BE_FORGOTTEN "
        "RISK_ENVIRONMENTAL_DAMAGE RISK_PUBLIC_HEALTH SELF_MUTILATION STALKING SUICIDE "
        "TERRORIST_CONTENT TRADE_SECRET_INFRINGEMENT TRADEMARK_INFRINGEMENT "
        "TRAFFICKING_WOMEN_GIRLS UNLAWFUL_SALE_ANIMALS UNSAFE_CHALLENGES UNSAFE_PRODUCTS "
        "VIOLATION_EU_LAW VIOLATION_NATIONAL_LAW OTHER"
    ).split()
)
SOURCE_TYPES = (
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
)
AUTOMATED_DETECTIONS = ("Yes", "No")
AUTOMATED_DECISIONS = (
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
)
INCOMPATIBLE_CONTENT_ILLEGALS = ("Yes", "No")
EUROPEAN_COUNTRY_CODES = tuple(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK".split()
)
LANGUAGES = tuple(
    "AB AA AF AK SQ AM AR AN HY AS AV AE AY AZ BM BA EU BE BN BH BI BS BR BG MY CA KM CH CE NY ZH "
    "CU CV KW CO CR HR CS DA DV NL DZ EN EO ET EE FO FJ FI FR FF GD GL LG KA DE KI EL KL GN GU HT "
    "HA HE HZ HI HO HU IS IO IG ID IA IE IU IK GA IT JA JV KN KR KS KK RW KV KG KO KJ KU KY LO LA "
    "LV LB LI LN LT LU MK MG MS ML MT GV MI MR MH RO MN NA NV ND NG NE SE NO NB NN II OC OJ OR OM "
    "OS PI PA PS FA PL PT QU RM RN RU SM SG SA SC SR SN SD SI SK SL SO ST NR ES SU SW SS SV TL TY "
    "TG TA TT TE TH BO TI TO TS TN TR TK TW UG UK UR UZ VE VI VO WA CY FY WO XH YI YO ZA ZU".split()
)

_DECISIONS = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
ILLEGAL = ("decision_ground", "DECISION_GROUND_ILLEGAL_CONTENT")
INCOMPATIBLE = ("decision_ground", "DECISION_GROUND_INCOMPATIBLE_CONTENT")


@dataclass(frozen=True)
class Field:
    """One field of a statement, as ``StatementStoreRequest::rules()`` declares it.

    ``kind`` is ``string``, ``array`` (of strings), ``date`` (``YYYY-MM-DD``) or ``url``;
    ``values`` the allowed values (each element's, for an array); ``max`` the most characters
    (of a string); ``dates`` the earliest and latest date; ``required`` that it must be given;
    ``required_without_all`` that it must be given when none of those fields is;
    ``required_if`` (field, value) that it must be given when that field has that value (for an
    array, holds it); ``only_if`` (field, value) that it is excluded otherwise (``exclude_unless``,
    ``excludeIf``); ``excluded_if`` (field, value) that it is excluded when that field has it;
    ``pattern`` a regular expression the whole value must match.
    """

    kind: str = "string"
    values: tuple[str, ...] | None = None
    max: int | None = None
    dates: tuple[str, str] | None = None
    required: bool = False
    required_without_all: tuple[str, ...] = ()
    required_if: tuple[str, str] | None = None
    only_if: tuple[str, str] | None = None
    excluded_if: tuple[str, str] | None = None
    pattern: str | None = None


def _others(name: str) -> tuple[str, ...]:
    return tuple(d for d in _DECISIONS if d != name)


# The schema: every field the database accepts, with its rules.
SCHEMA: dict[str, Field] = {
    "content_id": Field(kind="object"),
    "content_id_ean": Field(pattern=r"[0-9]{13}"),
    "decision_visibility": Field(
        kind="array",
        values=DECISION_VISIBILITIES,
        required_without_all=_others("decision_visibility"),
    ),
    "decision_visibility_other": Field(
        max=500,
        required_if=("decision_visibility", "DECISION_VISIBILITY_OTHER"),
        only_if=("decision_visibility", "DECISION_VISIBILITY_OTHER"),
    ),
    "decision_monetary": Field(
        values=DECISION_MONETARIES, required_without_all=_others("decision_monetary")
    ),
    "decision_monetary_other": Field(
        max=500,
        required_if=("decision_monetary", "DECISION_MONETARY_OTHER"),
        only_if=("decision_monetary", "DECISION_MONETARY_OTHER"),
    ),
    "decision_provision": Field(
        values=DECISION_PROVISIONS, required_without_all=_others("decision_provision")
    ),
    "decision_account": Field(
        values=DECISION_ACCOUNTS, required_without_all=_others("decision_account")
    ),
    "account_type": Field(values=ACCOUNT_TYPES),
    "category_specification": Field(kind="array", values=KEYWORDS),
    "category_specification_other": Field(max=500),
    "decision_ground": Field(required=True, values=DECISION_GROUNDS),
    "decision_ground_reference_url": Field(kind="url", max=500),
    "illegal_content_legal_ground": Field(max=500, required_if=ILLEGAL, only_if=ILLEGAL),
    "illegal_content_explanation": Field(max=2000, required_if=ILLEGAL, only_if=ILLEGAL),
    "incompatible_content_ground": Field(max=500, required_if=INCOMPATIBLE, only_if=INCOMPATIBLE),
    "incompatible_content_explanation": Field(
        max=2000, required_if=INCOMPATIBLE, only_if=INCOMPATIBLE
    ),
    "incompatible_content_illegal": Field(
        values=INCOMPATIBLE_CONTENT_ILLEGALS, only_if=INCOMPATIBLE
    ),
    "content_type": Field(kind="array", required=True, values=CONTENT_TYPES),
    "content_type_other": Field(
        max=500,
        required_if=("content_type", "CONTENT_TYPE_OTHER"),
        only_if=("content_type", "CONTENT_TYPE_OTHER"),
    ),
    "category": Field(required=True, values=STATEMENT_CATEGORIES),
    "category_addition": Field(kind="array", values=STATEMENT_CATEGORIES),
    "territorial_scope": Field(kind="array", values=EUROPEAN_COUNTRY_CODES),
    "content_language": Field(values=LANGUAGES),
    "content_date": Field(kind="date", required=True, dates=("2000-01-01", "2038-01-01")),
    "application_date": Field(kind="date", required=True, dates=("2020-01-01", "2038-01-01")),
    "end_date_account_restriction": Field(kind="date", dates=("0001-01-01", "2038-01-01")),
    "end_date_monetary_restriction": Field(kind="date", dates=("0001-01-01", "2038-01-01")),
    "end_date_service_restriction": Field(kind="date", dates=("0001-01-01", "2038-01-01")),
    "end_date_visibility_restriction": Field(kind="date", dates=("0001-01-01", "2038-01-01")),
    "decision_facts": Field(required=True, max=5000),
    "source_type": Field(required=True, values=SOURCE_TYPES),
    "source_identity": Field(max=500, excluded_if=("source_type", "SOURCE_VOLUNTARY")),
    "automated_detection": Field(required=True, values=AUTOMATED_DETECTIONS),
    "automated_decision": Field(required=True, values=AUTOMATED_DECISIONS),
    "puid": Field(required=True, max=500, pattern=r"[a-zA-Z0-9\-_]+"),
}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


def _given(value) -> bool:
    """Whether a value counts as given (null, an empty string or an empty list do not)."""
    return value is not None and value != "" and value != []


def _has(statement: dict, rule: tuple[str, str]) -> bool:
    """Whether ``statement[field]`` is, or (an array) holds, ``value``."""
    name, value = rule
    got = statement.get(name)
    return value in got if isinstance(got, list) else got == value


def validate_statement(statement: dict) -> list[tuple[str, str]]:
    """The problems of one statement, as ``(field, message)`` pairs; empty when it is valid.

    >>> ok = {"decision_account": "DECISION_ACCOUNT_SUSPENDED",
    ...       "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    ...       "incompatible_content_ground": "Terms 4.2", "incompatible_content_explanation": "x",
    ...       "content_type": ["CONTENT_TYPE_TEXT"], "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    ...       "content_date": "2024-07-01", "application_date": "2024-07-02",
    ...       "decision_facts": "Reported 40 times.", "source_type": "SOURCE_ARTICLE_16",
    ...       "automated_detection": "No", "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    ...       "puid": "d-1"}
    >>> validate_statement(ok)
    []
    >>> validate_statement({**ok, "category": "SPAM", "puid": "d 1"})
    [('category', "'SPAM' is not one of the database's values (STATEMENT_CATEGORY_ANIMAL_WELFARE, STATEMENT_CATEGORY_CONSUMER_INFORMATION, STATEMENT_CATEGORY_CYBER_VIOLENCE, ...)"), ('puid', "'d 1' must match [a-zA-Z0-9\\\\-_]+")]
    """
    problems: list[tuple[str, str]] = []
    for name in statement:
        if name not in SCHEMA:
            problems.append((name, "is not a field of the Transparency Database's statements"))
    for name, rule in SCHEMA.items():
        value = statement.get(name)
        given = _given(value)
        if not given:
            if rule.required_without_all and not any(
                _given(statement.get(o)) for o in rule.required_without_all
            ):
                need = ", ".join(rule.required_without_all)
                problems.append((name, f"is required when none of {need} is given"))
                continue
            if rule.required_if and _has(statement, rule.required_if):
                problems.append((name, f"is required when {rule.required_if[0]} is "
                                       f"{rule.required_if[1]}"))  # fmt: skip
                continue
            if rule.required:
                problems.append((name, "is required"))
            continue
        if rule.only_if and not _has(statement, rule.only_if):
            problems.append((name, f"applies only when {rule.only_if[0]} is {rule.only_if[1]}"))
            continue
        if rule.excluded_if and _has(statement, rule.excluded_if):
            problems.append((name, f"does not apply when {rule.excluded_if[0]} is "
                                   f"{rule.excluded_if[1]}"))  # fmt: skip
            continue
        problems += [(name, m) for m in _check_value(value, rule)]
    return problems


def _check_value(value, rule: Field) -> list[str]:
    """What is wrong with a given value, by its field's rule."""
    if rule.kind == "object":
        return [] if isinstance(value, dict) else [f"must be an object, got {value!r}"]
    if rule.kind == "array":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [f"must be a list of strings, got {value!r}"]
        bad = [v for v in value if v not in rule.values]
        return [_not_one_of(v, rule.values) for v in bad]
    if not isinstance(value, str):
        return [f"must be a string, got {value!r}"]
    out = []
    if rule.max is not None and len(value) > rule.max:
        out.append(f"has {len(value):,} characters; at most {rule.max:,} are allowed")
    if rule.values is not None and value not in rule.values:
        out.append(_not_one_of(value, rule.values))
    if rule.pattern is not None and not re.fullmatch(rule.pattern, value):
        out.append(f"{value!r} must match {rule.pattern}")
    if rule.kind == "url" and not _URL.fullmatch(value):
        out.append(f"{value!r} is not a URL")
    if rule.kind == "date":
        out += _check_date(value, rule.dates)
    return out


def _check_date(value: str, bounds: tuple[str, str]) -> list[str]:
    if not _DATE.fullmatch(value):
        return [f"{value!r} does not match the format YYYY-MM-DD"]
    try:
        date.fromisoformat(value)
    except ValueError:
        return [f"{value!r} is not a date"]
    low, high = bounds
    if not low <= value <= high:
        return [f"{value!r} must be from {low} to {high}"]
    return []


def _not_one_of(value, values: tuple[str, ...]) -> str:
    shown = ", ".join(values[:3]) + (", ..." if len(values) > 3 else "")
    return f"{value!r} is not one of the database's values ({shown})"


@dataclass(frozen=True)
class Problem:
    """One problem of a statements file: its line (1-based), the field and what is wrong."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


def validate_file(path: str | Path) -> tuple[int, list[Problem]]:
    """Check a JSON-lines file of statements (one a line, as :func:`write_statements` writes
    them, or as the database's API takes them): ``(statements, problems)``.

    A line that is not a JSON object is a problem of field ``(line)``; a ``puid`` used twice is
    one of the second line (the database keeps each platform's puids unique).

    Raises
    ------
    SchemaError
        The file cannot be read.
    """
    path = Path(path)
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path} cannot be read as UTF-8 text: {exc}") from None
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    count = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        count += 1
        try:
            statement = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(number, "(line)", f"is not JSON: {exc.msg}"))
            continue
        if not isinstance(statement, dict):
            problems.append(Problem(number, "(line)", "is not a JSON object"))
            continue
        problems += [Problem(number, f, m) for f, m in validate_statement(statement)]
        puid = statement.get("puid")
        if isinstance(puid, str):
            if puid in seen:
                problems.append(Problem(number, "puid", f"repeats line {seen[puid]}'s"))
            else:
                seen[puid] = number
    return count, problems
