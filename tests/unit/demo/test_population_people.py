"""The synthetic people: scripts, frequencies, national formats and deliberate collisions."""

from __future__ import annotations

import re
from collections import Counter

import phonenumbers
import pytest
from email_validator import validate_email

from sync.demo.names import Country, Origin, lexicon
from sync.demo.people import Person, iter_people

POSTCODE = {
    Country.DE: re.compile(r"\d{5}"),
    Country.AT: re.compile(r"\d{4}"),
    Country.CH: re.compile(r"\d{4}"),
    Country.TR: re.compile(r"\d{5}"),
    Country.GB: re.compile(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}"),
}
LEGAL_FORMS = (" GmbH", " AG", " KG", " A.Ş.", " Ltd. Şti.", " Ltd", " PLC", " Inc", " e.K.")


@pytest.fixture(scope="module")
def people() -> list[Person]:
    return list(iter_people(11, 6000))


def _names(people: list[Person]) -> str:
    return " ".join(f"{p.first_name} {p.last_name}" for p in people)


def test_same_seed_gives_the_same_people() -> None:
    first = list(iter_people(5, 300))

    again = list(iter_people(5, 300))

    assert again == first


def test_another_seed_gives_other_people() -> None:
    first = [p.private_email for p in iter_people(5, 300)]

    other = [p.private_email for p in iter_people(6, 300)]

    assert other != first


def test_ids_run_from_zero(people: list[Person]) -> None:
    assert [p.person_id for p in people] == list(range(len(people)))


@pytest.mark.parametrize("letters", ["äöüß", "çğış", "İ"])
def test_names_carry_german_and_turkish_letters(people: list[Person], letters: str) -> None:
    text = _names(people)

    found = {letter for letter in letters if letter in text}

    assert found == set(letters)


def test_names_include_double_compound_and_particle_forms(people: list[Person]) -> None:
    firsts = [p.first_name for p in people]
    lasts = [p.last_name for p in people]

    kinds = {
        "hyphenated first": any("-" in name for name in firsts),
        "compound first": any(" " in name for name in firsts),
        "particle": any(name.startswith(("von ", "van ", "de ", "zu ")) for name in lasts),
    }

    assert kinds == {"hyphenated first": True, "compound first": True, "particle": True}


def test_common_names_are_far_more_frequent_than_rare_ones(people: list[Person]) -> None:
    german = Counter(p.last_name for p in people if p.origin is Origin.DE)
    ranked = lexicon(Origin.DE).last.values

    common = sum(german[name] for name in ranked[:10])
    rare = sum(german[name] for name in ranked[-10:])

    assert common > 5 * max(rare, 1)


def test_every_country_and_origin_occurs(people: list[Person]) -> None:
    countries = {p.address.country for p in people}
    origins = {p.origin for p in people}

    assert (countries, origins) == (set(Country), set(Origin))


def test_postcodes_follow_the_national_format(people: list[Person]) -> None:
    wrong = [
        p.address for p in people if not POSTCODE[p.address.country].fullmatch(p.address.postcode)
    ]

    assert wrong == []


def test_phone_numbers_are_valid_for_their_country(people: list[Person]) -> None:
    parsed = [phonenumbers.parse(p.phone.e164) for p in people]

    invalid = [n for n in parsed if not phonenumbers.is_valid_number(n)]

    assert len(invalid) <= len(parsed) // 200


def test_mobiles_and_landlines_both_occur(people: list[Person]) -> None:
    share = sum(p.phone.is_mobile for p in people) / len(people)

    assert 0.6 < share < 0.8


def test_emails_are_valid_addresses(people: list[Person]) -> None:
    emails = [e for p in people for e in (p.private_email, p.work_email) if e]

    normalised = [validate_email(e, check_deliverability=False).normalized for e in emails]

    assert len(normalised) == len(emails)


def test_only_households_share_an_email(people: list[Person]) -> None:
    owners: dict[str, list[Person]] = {}
    for p in people:
        owners.setdefault(p.private_email, []).append(p)

    shared = [group for group in owners.values() if len(group) > 1]

    assert shared, "some households share one address"
    assert all(group[1].household_of == group[0].person_id for group in shared)


def test_household_partners_live_at_the_same_address(people: list[Person]) -> None:
    by_id = {p.person_id: p for p in people}
    partners = [(p, by_id[p.household_of]) for p in people if p.household_of is not None]

    mismatched = [p for p, other in partners if p.address != other.address]

    assert partners
    assert mismatched == []


def test_namesakes_are_different_people_with_the_same_name(people: list[Person]) -> None:
    by_id = {p.person_id: p for p in people}
    namesakes = [p for p in people if p.namesake_of is not None]

    pairs = [(p, by_id[p.namesake_of]) for p in namesakes if p.namesake_of in by_id]

    assert pairs
    assert all((a.first_name, a.last_name) == (b.first_name, b.last_name) for a, b in pairs)
    assert all(a.private_email != b.private_email for a, b in pairs)


def test_employees_have_a_company_with_a_legal_form_and_its_domain(people: list[Person]) -> None:
    employed = [p for p in people if p.company is not None]

    assert 0.45 < len(employed) / len(people) < 0.65
    assert all(p.company.name.endswith(LEGAL_FORMS) or " " in p.company.name for p in employed)  # type: ignore[union-attr]
    assert all(p.work_email.endswith("@" + p.company.domain) for p in employed)  # type: ignore[union-attr]


def test_legal_forms_of_every_country_occur(people: list[Person]) -> None:
    names = " ".join(p.company.name for p in people if p.company)

    found = {
        form for form in ("GmbH & Co. KG", "A.Ş.", "Ltd. Şti.", "PLC", "Inc", "AG") if form in names
    }

    assert found == {"GmbH & Co. KG", "A.Ş.", "Ltd. Şti.", "PLC", "Inc", "AG"}


def test_adults_only(people: list[Person]) -> None:
    years = {p.birthday.year for p in people}

    assert min(years) >= 1936
    assert max(years) <= 2007
