"""One audience's members, kept thread-safe in memory with Mailchimp's rules for changing them.

Members are addressed by subscriber hash and indexed by ``(last_changed, id)`` so that reads
filtered and sorted by ``last_changed`` cost O(log n + page), not a scan. Every change bumps
``last_changed`` (second resolution, from the injected clock) and queues the webhook
deliveries Mailchimp would fire.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any

from connectors.base import Clock
from connectors.mailchimp.sandbox import errors
from connectors.mailchimp.sandbox.errors import ApiError
from connectors.mailchimp.sandbox.member import STATUSES, Member, render, subscriber_hash
from connectors.mailchimp.sandbox.merge import MergeField, normalise
from connectors.mailchimp.sandbox.webhooks import (
    Source,
    WebhookDelivery,
    delete_delivery,
    deliveries_for_change,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_HIGHEST_ID = "\U0010ffff"
MAX_MERGE_LENGTH = 255
"""Mailchimp refuses a merge value (or address part) longer than 255 characters."""


@dataclass(frozen=True, slots=True)
class MemberInput:
    """The writable member fields a request carried (None: not sent)."""

    email_address: str | None = None
    status: str | None = None
    merge_fields: dict[str, Any] | None = None
    language: str | None = None
    vip: bool | None = None
    email_type: str | None = None


@dataclass(frozen=True, slots=True)
class MemberQuery:
    """The filters of ``GET /lists/{id}/members``; time bounds are exclusive epoch seconds."""

    count: int = 10
    offset: int = 0
    status: str | None = None
    since_last_changed: int | None = None
    before_last_changed: int | None = None
    sort_field: str | None = None
    sort_dir: str = "ASC"


class Audience:
    """A list (audience): its merge fields, members, tags and forgotten addresses."""

    def __init__(self, list_id: str, name: str, clock: Clock, fields: list[MergeField]) -> None:
        self.list_id = list_id
        self.name = name
        self._clock = clock
        self._lock = threading.RLock()
        self._fields = fields
        self._merge_tags = tuple(f.tag for f in fields)
        self._members: dict[str, Member] = {}
        self._index: list[tuple[int, str]] = []
        self._forgotten: set[str] = set()
        self._tag_ids: dict[str, int] = {}
        self._next_web_id = 100_000
        self.deliveries: deque[WebhookDelivery] = deque(maxlen=10_000)

    # --- reading ------------------------------------------------------------------------------

    def now(self) -> int:
        return int(self._clock.now().timestamp())

    def merge_fields(self) -> list[MergeField]:
        with self._lock:
            return list(self._fields)

    def document(self, key: str, only: Collection[str] | None = None) -> dict[str, Any]:
        with self._lock:
            return self._render(self._lookup(key), only)

    def member(self, key: str) -> Member:
        """A copy of one member's state, for test helpers."""
        with self._lock:
            found = self._lookup(key)
            return replace(found, merge_fields=dict(found.merge_fields), tags=dict(found.tags))

    def query(
        self, q: MemberQuery, only: Collection[str] | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """``(total_items, page)`` for one members query, rendering only the ``only`` keys."""
        with self._lock:
            start = 0
            if q.since_last_changed is not None:
                start = bisect.bisect_left(self._index, (q.since_last_changed + 1, ""))
            end = len(self._index)
            if q.before_last_changed is not None:
                end = bisect.bisect_left(self._index, (q.before_last_changed, ""))
            end = max(start, end)
            if q.status is None and q.sort_field in (None, "last_changed"):
                window = self._slice(start, end, q)
                return end - start, [self._render(self._members[i], only) for _, i in window]
            matches = [self._members[i] for _, i in self._index[start:end]]
            matches = [m for m in matches if q.status in (None, m.status)]
            if q.sort_field in ("timestamp_opt", "timestamp_signup"):
                field = q.sort_field
                matches.sort(key=lambda m: (getattr(m, field) or 0, m.id))
            if q.sort_dir == "DESC":
                matches.reverse()
            page = matches[q.offset : q.offset + q.count]
            return len(matches), [self._render(m, only) for m in page]

    def _slice(self, start: int, end: int, q: MemberQuery) -> list[tuple[int, str]]:
        if q.sort_dir == "DESC":
            stop = max(start, end - q.offset)
            return self._index[max(start, stop - q.count) : stop][::-1]
        first = min(end, start + q.offset)
        return self._index[first : min(end, first + q.count)]

    # --- writing ------------------------------------------------------------------------------

    def add(self, given: MemberInput, source: Source = "api") -> dict[str, Any]:
        """``POST /members``: a new member only."""
        with self._lock:
            email = self._checked_email(given.email_address)
            if subscriber_hash(email) in self._members:
                raise errors.member_exists(email)
            return self._render(self._create(email, given, given.status or "", source))

    def put(
        self, key: str, given: MemberInput, status_if_new: str | None, source: Source = "api"
    ) -> tuple[dict[str, Any], bool]:
        """``PUT /members/{hash}``: update, or create with ``status_if_new`` (then required)."""
        with self._lock:
            found = self._members.get(_hash_of(key))
            if found is not None:
                return self._render(self._update(found, given, source)), False
            email = self._checked_email(given.email_address)
            if subscriber_hash(email) != _hash_of(key):
                raise errors.invalid_resource("The subscriber hash does not match the address.")
            if status_if_new is None:
                raise errors.invalid_resource("status_if_new is required for a new member.")
            status = given.status or status_if_new
            return self._render(self._create(email, given, status, source)), True

    def patch(self, key: str, given: MemberInput, source: Source = "api") -> dict[str, Any]:
        with self._lock:
            return self._render(self._update(self._lookup(key), given, source))

    def upsert(
        self, given: MemberInput, *, update_existing: bool, source: Source = "api"
    ) -> tuple[dict[str, Any], bool]:
        """One member of a batch subscribe: ``(member, created)``."""
        with self._lock:
            email = self._checked_email(given.email_address)
            found = self._members.get(subscriber_hash(email))
            if found is None:
                return self._render(self._create(email, given, given.status or "", source)), True
            if not update_existing:
                raise errors.member_exists(email)
            return self._render(self._update(found, given, source)), False

    def archive(self, key: str, source: Source = "api") -> None:
        """``DELETE /members/{hash}``: the member stays, with status ``archived``."""
        with self._lock:
            member = self._lookup(key)
            if member.status == "archived":
                return
            member.archived_from, member.status = member.status, "archived"
            self._touch(member)
            self.deliveries.append(delete_delivery(member, self.list_id, source, self._clock.now()))

    def forget(self, key: str, source: Source = "api") -> None:
        """``delete-permanent``: gone, and the address can never be imported again."""
        with self._lock:
            member = self._lookup(key)
            self._unindex(member)
            del self._members[member.id]
            self._forgotten.add(member.id)
            self.deliveries.append(delete_delivery(member, self.list_id, source, self._clock.now()))

    def set_tags(
        self, key: str, changes: Iterable[tuple[str, bool]], source: Source = "api"
    ) -> None:
        """``POST /members/{hash}/tags``: add (active) or remove (inactive) tags by name."""
        with self._lock:
            member = self._lookup(key)
            before = dict(member.tags)
            for name, is_active in changes:
                if is_active and name not in member.tags:
                    tag_id = self._tag_ids.setdefault(name, len(self._tag_ids) + 1)
                    member.tags[name] = (tag_id, self.now())
                elif not is_active:
                    member.tags.pop(name, None)
            if member.tags != before:
                self._touch(member)

    def edit(self, key: str, given: MemberInput, source: Source) -> dict[str, Any]:
        """A change made in Mailchimp's UI: a subscriber may re-subscribe themselves."""
        with self._lock:
            member = self._lookup(key)
            return self._render(self._update(member, given, source, may_resubscribe=True))

    def add_merge_field(self, spec: MergeField) -> MergeField:
        with self._lock:
            if any(f.tag == spec.tag for f in self._fields):
                raise errors.invalid_resource(f"A Merge Field with the tag {spec.tag} exists.")
            spec.merge_id = max((f.merge_id for f in self._fields), default=0) + 1
            self._fields.append(spec)
            self._merge_tags = tuple(f.tag for f in self._fields)
            return spec

    def store(self, members: list[Member]) -> None:
        """Put members in as they are, without validation (seeding, legacy data)."""
        with self._lock:
            for member in members:
                old = self._members.pop(member.id, None)
                if old is not None and len(members) < 64:
                    self._unindex(old)
                self._members[member.id] = member
                for name in member.tags:
                    self._tag_ids.setdefault(name, len(self._tag_ids) + 1)
                if len(members) < 64:
                    bisect.insort(self._index, (member.last_changed, member.id))
            if len(members) >= 64:
                self._index = sorted((m.last_changed, m.id) for m in self._members.values())

    def tag_id(self, name: str) -> int:
        with self._lock:
            return self._tag_ids.setdefault(name, len(self._tag_ids) + 1)

    def new_web_id(self) -> int:
        with self._lock:
            self._next_web_id += 1
            return self._next_web_id

    # --- internals ----------------------------------------------------------------------------

    def _lookup(self, key: str) -> Member:
        member = self._members.get(_hash_of(key))
        if member is None:
            raise errors.not_found()
        return member

    def _render(self, member: Member, only: Collection[str] | None = None) -> dict[str, Any]:
        return render(member, (self.list_id, self._merge_tags), only)

    def _checked_email(self, email: str | None) -> str:
        if not email:
            raise errors.invalid_resource("The resource submitted could not be validated.")
        if not _EMAIL.match(email):
            raise errors.invalid_resource(errors.invalid_email_detail(email))
        if subscriber_hash(email) in self._forgotten:
            raise errors.forgotten_email(email)
        return email

    def _create(self, email: str, given: MemberInput, status: str, source: Source) -> Member:
        if status not in STATUSES:
            raise errors.invalid_resource("The resource submitted could not be validated.")
        merges = self._normalised(given.merge_fields or {})
        missing = [f.tag for f in self._fields if f.required and not merges.get(f.tag)]
        if missing:
            raise errors.invalid_resource(f"Your merge fields were invalid: {missing[0]}")
        now = self.now()
        member = Member(
            id=subscriber_hash(email),
            email_address=email,
            status=status,
            last_changed=now,
            web_id=self.new_web_id(),
            merge_fields=merges,
            language=given.language or "",
            vip=bool(given.vip),
            email_type=given.email_type or "html",
            timestamp_signup=now,
            timestamp_opt=now if status == "subscribed" else None,
        )
        self._members[member.id] = member
        bisect.insort(self._index, (member.last_changed, member.id))
        self.deliveries.extend(
            deliveries_for_change(None, member, self.list_id, source, self._clock.now())
        )
        return member

    def _update(
        self, member: Member, given: MemberInput, source: Source, may_resubscribe: bool = False
    ) -> Member:
        merges = self._normalised(given.merge_fields or {})
        status = given.status
        is_resubscribe = status == "subscribed" and member.status != "subscribed"
        if is_resubscribe and member.is_in_compliance_state() and not may_resubscribe:
            raise errors.compliance_state(member.email_address)
        new_email = given.email_address
        if new_email is not None and subscriber_hash(new_email) != member.id:
            self._rekey(member, self._checked_email(new_email))
        before = replace(member, merge_fields=dict(member.merge_fields), tags=dict(member.tags))
        self._apply(member, given, merges)
        if member != before:
            self._touch(member)
            self.deliveries.extend(
                deliveries_for_change(before, member, self.list_id, source, self._clock.now())
            )
        return member

    def _apply(self, member: Member, given: MemberInput, merges: dict[str, Any]) -> None:
        if given.status is not None and given.status != member.status:
            member.status, member.archived_from = given.status, None
            if given.status == "subscribed":
                member.timestamp_opt = self.now()
        member.merge_fields.update(merges)
        if given.email_address is not None:
            member.email_address = given.email_address
        if given.language is not None:
            member.language = given.language
        if given.vip is not None:
            member.vip = given.vip
        if given.email_type is not None:
            member.email_type = given.email_type

    def _rekey(self, member: Member, email: str) -> None:
        """An address change moves the member to the new hash; the old hash stops resolving."""
        new_id = subscriber_hash(email)
        if new_id in self._members:
            raise errors.member_exists(email)
        self._unindex(member)
        del self._members[member.id]
        member.id = new_id
        self._members[new_id] = member
        bisect.insort(self._index, (member.last_changed, member.id))

    def _normalised(self, given: dict[str, Any]) -> dict[str, Any]:
        by_tag = {f.tag: f for f in self._fields}
        unknown = sorted(set(given) - set(by_tag))
        if unknown:
            detail = "The resource submitted could not be validated."
            raise ApiError(
                400,
                "Invalid Resource",
                detail,
                errors=[
                    {"field": tag, "message": "This merge field does not exist."} for tag in unknown
                ],
            )
        too_long = sorted(tag for tag, value in given.items() if _longest(value) > MAX_MERGE_LENGTH)
        if too_long:
            raise ApiError(
                400,
                "Invalid Resource",
                "The resource submitted could not be validated.",
                errors=[
                    {"field": tag, "message": f"Must be {MAX_MERGE_LENGTH} characters or fewer."}
                    for tag in too_long
                ],
            )
        return {tag: normalise(by_tag[tag], value) for tag, value in given.items()}

    def _touch(self, member: Member) -> None:
        self._unindex(member)
        member.last_changed = self.now()
        bisect.insort(self._index, (member.last_changed, member.id))

    def _unindex(self, member: Member) -> None:
        position = bisect.bisect_left(self._index, (member.last_changed, member.id))
        if position < len(self._index) and self._index[position] == (
            member.last_changed,
            member.id,
        ):
            del self._index[position]


def _longest(value: Any) -> int:
    """The length of a merge value, or of its longest part for an address."""
    if isinstance(value, dict):
        return max((len(str(v)) for v in value.values()), default=0)
    return len(value) if isinstance(value, str) else 0


def _hash_of(key: str) -> str:
    """Path keys may be a hash or, as Mailchimp also allows, the address itself."""
    return subscriber_hash(key) if "@" in key else key.lower()
