"""Member writes in as few calls as Mailchimp allows: batch subscribe, then ``/batches`` rounds.

A write costs about one call per 500 ops and per kind of call, never one per member:

- ops that carry an address and either state consent or create a member go through batch
  subscribe, ``POST /lists/{id}`` (≤500 members a call): with ``update_existing: true`` when
  they state consent, else with ``update_existing: false`` and status ``transactional``, so an
  existing member's subscription is never touched. Members in a compliance state are sent
  again as ``pending`` in one more batch subscribe (double opt-in);
- updates of members we know by id (and creates that found their member already there) are
  ``PATCH`` operations, and tag changes and archives are operations too; they go out in rounds
  through ``/batches`` (see :mod:`connectors.mailchimp.batches`), each round one call per 500
  operations, until no member needs another step (at most: patch, pending, tags);
- an address change is a ``PATCH`` on the old hash, sent before the rest, because an old
  address that is gone turns the op into a subscribe of the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from connectors.base import WriteOp, WriteOutcome, WriteResult
from connectors.mailchimp.batches import Answer, BatchRunner
from connectors.mailchimp.encoding import EncodeError, MemberChange, encode_change
from connectors.mailchimp.mapping import ADDRESS_REQUIRED, MergeSchema, subscriber_hash
from connectors.mailchimp.models import BatchAnswer
from connectors.mailchimp.outcomes import Refusal, classify, failed
from connectors.mailchimp.steps import Archive, Patch, Step, after_write, refusal_of
from connectors.toolkit.http import VendorClient

BATCH_LIMIT = 500


@dataclass
class _Run:
    """The state of one write call: results by op id and the work still to do."""

    results: dict[str, WriteResult] = field(default_factory=dict)
    to_subscribe: list[MemberChange] = field(default_factory=list)
    compliance: list[MemberChange] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def follow(self, outcome: Step | WriteResult) -> None:
        if isinstance(outcome, WriteResult):
            self.results[outcome.op_id] = outcome
        else:
            self.steps.append(outcome)


class MemberWriter:
    """Writes ops to one audience; thread-safe because it keeps no state between calls."""

    def __init__(
        self, client: VendorClient, batches: BatchRunner, list_id: str, *, double_opt_in: bool
    ) -> None:
        self._client = client
        self._batches = batches
        self._list = f"/lists/{list_id}"
        self._double_opt_in = double_opt_in

    def write(self, ops: Sequence[WriteOp], schema: MergeSchema) -> list[WriteResult]:
        """One result per op, in op order."""
        run = _Run()
        moves: list[MemberChange] = []
        for change in _without_duplicates(self._changes(ops, schema, run), run):
            change = self._with_whole_addresses(change)
            if change.previous_id is not None:
                moves.append(change)
            elif change.email is None or (change.op.external_id and change.status is None):
                run.steps.append(Patch(change))
            else:
                run.to_subscribe.append(change)
        self._move(moves, run)
        self._subscribe(run)
        self._settle(run)
        return [run.results[op.op_id] for op in ops]

    def _changes(
        self, ops: Sequence[WriteOp], schema: MergeSchema, run: _Run
    ) -> Iterator[MemberChange]:
        for op in ops:
            if op.is_delete:
                key = op.external_id or (subscriber_hash(op.key) if op.key else None)
                if key is None:
                    run.follow(failed(op, Refusal.rejected("missing_email", "the op names no one")))
                else:
                    run.steps.append(Archive(op, key))
                continue
            try:
                yield encode_change(op, schema)
            except EncodeError as exc:
                run.follow(failed(op, Refusal.rejected(exc.code, str(exc))))

    def _with_whole_addresses(self, change: MemberChange) -> MemberChange:
        """Complete a partly changed address from the member's current one (one GET)."""
        partial = {
            tag: parts
            for tag, parts in change.merge_fields.items()
            if isinstance(parts, dict) and not parts.keys() >= ADDRESS_REQUIRED
        }
        if not partial:
            return change
        target = change.previous_id or change.member_id
        response = self._client.request(
            "GET",
            f"{self._list}/members/{target}",
            endpoint="member",
            params={"fields": "merge_fields"},
        )
        if response.status_code != 200:
            return change  # a new member: Mailchimp judges the parts we have
        current = response.json().get("merge_fields") or {}
        merges = dict(change.merge_fields)
        for tag, parts in partial.items():
            known = current.get(tag)
            merges[tag] = {**(known if isinstance(known, dict) else {}), **parts}
        return replace(change, body={**change.body, "merge_fields": merges}, merge_fields=merges)

    # --- address changes ------------------------------------------------------------------------

    def _move(self, moves: list[MemberChange], run: _Run) -> None:
        patches = [Patch(change) for change in moves]
        answers = self._batches.run([p.operation(self._list) for p in patches])
        for patch in patches:
            answer = answers.get(patch.change.op.op_id)
            if answer is not None and answer.status == 404 and patch.change.email:
                # The old address is gone (changed already, or archived for good): upsert the new.
                run.to_subscribe.append(replace(patch.change, previous_id=None))
            else:
                run.follow(patch.settle(answer, double_opt_in=self._double_opt_in))

    # --- batch subscribe ------------------------------------------------------------------------

    def _subscribe(self, run: _Run) -> None:
        stating = [c for c in run.to_subscribe if c.status]
        silent = [c for c in run.to_subscribe if not c.status]
        for changes, update_existing in ((stating, True), (silent, False)):
            for chunk in _chunks(changes):
                self._batch(chunk, run, update_existing=update_existing)
        for chunk in _chunks([replace(c, status="pending") for c in run.compliance]):
            self._batch(chunk, run, update_existing=True)

    def _batch(self, changes: list[MemberChange], run: _Run, *, update_existing: bool) -> None:
        members = [{**c.body, "status": c.status or "transactional"} for c in changes]
        body = {"members": members, "update_existing": update_existing}
        response = self._client.request("POST", self._list, endpoint="batch", json=body)
        if response.status_code != 200:
            refusal = refusal_of(Answer.of(response))
            for refused in changes:
                run.follow(failed(refused.op, refusal))
            return
        answer = BatchAnswer.model_validate(response.json())
        by_id = {c.member_id: c for c in changes}
        for outcome, documents in (
            (WriteOutcome.CREATED, answer.new_members),
            (WriteOutcome.UPDATED, answer.updated_members),
        ):
            for document in documents:
                change = by_id.pop(str(document.get("id")), None)
                if change is not None:
                    run.follow(after_write(change, document, outcome))
        for error in answer.errors:
            change = by_id.pop(subscriber_hash(error.email_address), None)
            if change is not None:
                refusal = classify(error.error, code=error.error_code, field=error.field)
                self._refused(change, refusal, run)
        for change in by_id.values():
            # Trap 15: a member the answer does not mention was dropped silently.
            run.follow(failed(change.op, Refusal.missing()))

    def _refused(self, change: MemberChange, refusal: Refusal, run: _Run) -> None:
        if refusal.code == "member_exists" and change.status is None:
            run.steps.append(Patch(change))
        elif refusal.code == "compliance_state" and self._may_ask_for_opt_in(change):
            run.compliance.append(change)
        else:
            run.follow(failed(change.op, refusal))

    def _may_ask_for_opt_in(self, change: MemberChange) -> bool:
        return self._double_opt_in and change.status == "subscribed"

    # --- /batches rounds ------------------------------------------------------------------------

    def _settle(self, run: _Run) -> None:
        """Send the pending steps, round after round, until every op has its result."""
        while run.steps:
            steps, run.steps = run.steps, []
            operations = [s.operation(self._list) for s in steps]
            answers = self._batches.run(operations)
            for step, operation in zip(steps, operations, strict=True):
                answer = answers.get(operation.operation_id)
                run.follow(step.settle(answer, double_opt_in=self._double_opt_in))


def _without_duplicates(changes: Iterable[MemberChange], run: _Run) -> Iterator[MemberChange]:
    """Mailchimp refuses an address twice in one request; later ops wait for the next write."""
    seen: set[str] = set()
    for change in changes:
        if change.member_id in seen:
            run.follow(failed(change.op, Refusal.duplicate()))
            continue
        seen.add(change.member_id)
        yield change


def _chunks(changes: list[MemberChange]) -> Iterator[list[MemberChange]]:
    for start in range(0, len(changes), BATCH_LIMIT):
        yield changes[start : start + BATCH_LIMIT]
