"""The import's members: looked up in batches and remembered, or enrolled from the file."""

from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import Lower

from members.models import Member, new_card_codes
from members.validation import email_forms, email_key

from .columns import Row, RowError
from .report import in_batches
from .scratch import Scratch

BASE_TIER = (Decimal(1), "")


class ImportedMember:
    """What the import needs of a member (slots: 150,000 of them stay small)."""

    __slots__ = ("pk", "email", "status", "points_balance", "tier")

    def __init__(self, pk, email, status, points_balance, tier=BASE_TIER):
        self.pk, self.email, self.status = pk, email, status
        self.points_balance, self.tier = points_balance, tier


class MemberLookup:
    """The ``Importer``'s member look-ups and enrolments (a mixin of the importer's state)."""

    def _members(self, rows: list[Row]) -> tuple[dict, dict]:
        """The rows' members, by email key (``email_key``) and by external id.

        Members already looked up (and those the import created) are remembered, up to
        ``Options.member_cache`` of them, so that a customer with many orders costs one look-up for
        the whole file rather than one per batch; emails and ids known to be absent too,
        until the import creates members. The returned mappings may hold other members.
        """
        all_emails = {row.email_key for row in rows if row.email_key}
        all_exts = {row.customer_id for row in rows if row.customer_id}
        emails = all_emails - self._absent_emails - self._by_email.keys()
        exts = all_exts - self._absent_exts - self._by_ext.keys()
        if not (emails or exts):
            return self._by_email, self._by_ext
        if len(self._by_email) + len(emails) > self.options.member_cache:
            # A fresh start keeps memory bounded at any size; the batch's own members are
            # all looked up again, so none of them is forgotten while it is being used.
            self._by_email, self._by_ext = {}, {}
            emails, exts = all_emails - self._absent_emails, all_exts - self._absent_exts
        fields = ["id", "email", "external_id", "status", "points_balance"]
        # Stored with the domain as given: in Unicode or in punycode.
        stored = [form for key in emails for form in email_forms(key)]
        if self.postgres:
            query = Member.objects.extra(
                where=["(lower(email) = ANY(%s) OR external_id = ANY(%s))"],
                params=[stored, list(exts)],
            )
        else:
            query = Member.objects.annotate(email_lower=Lower("email")).filter(
                Q(email_lower__in=stored) | Q(external_id__in=exts)
            )
        if self.tier_field:
            fields += ["tier__earn_multiplier", "tier__name"]
        for values in query.values(*fields):  # plain values: no model instances per row
            multiplier = values.get("tier__earn_multiplier")
            self._remember(
                ImportedMember(
                    values["id"],
                    values["email"],
                    values["status"],
                    values["points_balance"],
                    (multiplier, values["tier__name"] or "") if multiplier else BASE_TIER,
                ),
                values["external_id"],
            )
        if len(self._absent_emails) + len(self._absent_exts) < self.options.member_cache:
            self._absent_emails.update(emails.difference(self._by_email))
            self._absent_exts.update(exts.difference(self._by_ext))
        return self._by_email, self._by_ext

    def _remember(self, member: ImportedMember, external_id: str | None) -> None:
        self._by_email[email_key(member.email)] = member
        if external_id:
            self._by_ext[external_id] = member

    def _new_members(self, rows: list[Row], scratch: Scratch, reject) -> None:
        """Rows of customers not in the database: members to create (or not), or errors."""
        with_email = [row for row in rows if row.email]
        if self.create_members and with_email:
            scratch.add_members(
                [
                    (r.email_key, r.email, r.purchased_at, r.first_name, r.last_name)
                    for r in with_email
                ]
            )
            scratch.add_exts([(r.customer_id, r.email_key) for r in with_email if r.customer_id])
        without = [row for row in rows if not row.email]
        if not without:
            return
        keys = scratch.keys_of({row.customer_id for row in without})
        later = []
        for row in without:
            key = keys.get(row.customer_id)
            if key is None:
                reject(
                    row,
                    [
                        RowError(
                            row.row,
                            "customer_id",
                            f"The customer id {row.customer_id!r} is unknown and there is no "
                            "email to enrol a new member.",
                        )
                    ],
                )
            else:
                later.append((key, key, row.purchased_at, "", ""))  # the member is known
        scratch.add_members(later)

    def _create_members(self, scratch: Scratch, writer) -> None:
        """COPY on PostgreSQL, 5,000 at a time: one chunk is written while the next is built."""
        self._absent_emails.clear()  # absent no more, once created
        self._absent_exts.clear()
        for batch in in_batches(scratch.new_members(), 5000):
            codes = new_card_codes(len(batch))
            rows = [(*member, code) for member, code in zip(batch, codes, strict=True)]
            ids = writer.insert_members(rows)
            writer.flush()
            self.report.members_created += len(ids)
            if len(self._by_email) + len(ids) > self.options.member_cache:
                continue  # looked up when needed
            for pk, (email, _, ext, *_rest) in zip(ids, rows, strict=True):
                self._remember(ImportedMember(pk, email, Member.Status.ACTIVE, 0), ext)
