"""The people of the end-to-end tests: some in both systems, some in one."""

from __future__ import annotations

from connectors.toolkit.sandbox import SeedPerson

BOTH = [
    SeedPerson("anna.mueller@example.org", "Anna", "Müller", city="Köln"),
    SeedPerson("mehmet.yilmaz@example.org", "Mehmet", "Yılmaz", city="Berlin"),
    SeedPerson("john.smith@example.org", "John", "Smith", city="London"),
    SeedPerson("ayse.kaya@example.org", "Ayşe", "Kaya", city="Hamburg"),
]
CRM_ONLY = [
    SeedPerson("hans.peter@example.org", "Hans-Peter", "Schulz"),
    SeedPerson("emma.jones@example.org", "Emma", "Jones"),
]
MA_ONLY = [
    SeedPerson("fatma.demir@example.org", "Fatma", "Demir", email_status="subscribed"),
    SeedPerson("oliver.brown@example.org", "Oliver", "Brown", email_status="subscribed"),
    SeedPerson("lena.fischer@example.org", "Lena", "Fischer", email_status="transactional"),
]
