"""The import's members: looked up in batches and remembered, or enrolled from the file."""

from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import Lower

from members.models import Member, new_card_codes

from .columns import Row, RowError
from .scratch import Scratch

MEMBER_CACHE = 150_000  # members remembered between batches (about 50 MB at most)


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
        """The rows' members, by lower-case email and by external id.

        Members already looked up (and those the import created) are remembered, up to
        ``MEMBER_CACHE`` of them, so that a customer with many orders costs one look-up for
        the whole file rather than one per batch; emails and ids known to be absent too,
        until the import creates members. The returned mappings may hold other members.
        """
        all_emails = {row.email for row in rows if row.email}
        all_exts = {row.customer_id for row in rows if row.customer_id}
        emails = all_emails - self._absent_emails - self._by_email.keys()
        exts = all_exts - self._absent_exts - self._by_ext.keys()
        if not (emails or exts):
            return self._by_email, self._by_ext
        if len(self._by_email) + len(emails) > MEMBER_CACHE:
            # A fresh start keeps memory bounded at any size; the batch's own members are
            # all looked up again, so none of them is forgotten while it is being used.
            self._by_email, self._by_ext = {}, {}
            emails, exts = all_emails - self._absent_emails, all_exts - self._absent_exts
        fields = ["id", "email", "external_id", "status", "points_balance"]
        if self.postgres:
            query = Member.objects.extra(
                where=["(lower(email) = ANY(%s) OR external_id = ANY(%s))"],
                params=[list(emails), list(exts)],
            )
        else:
            query = Member.objects.annotate(email_lower=Lower("email")).filter(
                Q(email_lower__in=emails) | Q(external_id__in=exts)
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
        if len(self._absent_emails) + len(self._absent_exts) < MEMBER_CACHE:
            self._absent_emails.update(emails.difference(self._by_email))
            self._absent_exts.update(exts.difference(self._by_ext))
        return self._by_email, self._by_ext

    def _remember(self, member: ImportedMember, external_id: str | None) -> None:
        self._by_email[member.email.lower()] = member
        if external_id:
            self._by_ext[external_id] = member

    def _new_members(self, rows: list[Row], scratch: Scratch, reject) -> None:
        """Rows of customers not in the database: members to create (or not), or errors."""
        with_email = [row for row in rows if row.email]
        if self.create_members and with_email:
            scratch.add_members(
                [(r.email, r.purchased_at, r.first_name, r.last_name) for r in with_email]
            )
            scratch.add_exts([(r.customer_id, r.email) for r in with_email if r.customer_id])
        without = [row for row in rows if not row.email]
        if not without:
            return
        emails = scratch.emails_of({row.customer_id for row in without})
        later = []
        for row in without:
            email = emails.get(row.customer_id)
            if email is None:
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
                later.append((email, row.purchased_at, "", ""))
        scratch.add_members(later)

    def _create_members(self, scratch: Scratch) -> None:
        self._absent_emails.clear()  # absent no more, once created
        self._absent_exts.clear()
        batch = []
        for email, enrolled_at, ext, first, last in scratch.new_members():
            batch.append((email, enrolled_at, ext, first, last))
            if len(batch) >= 5000:
                self._insert_members(batch)
                batch = []
        if batch:
            self._insert_members(batch)

    def _insert_members(self, batch: list[tuple]) -> None:
        members = [
            Member(
                email=email,
                external_id=ext,
                first_name=first,
                last_name=last,
                enrolled_at=enrolled_at,
                card_code=code,
            )
            for (email, enrolled_at, ext, first, last), code in zip(
                batch, new_card_codes(len(batch)), strict=True
            )
        ]
        Member.objects.bulk_create(members)
        self.report.members_created += len(members)
        if len(self._by_email) + len(members) > MEMBER_CACHE:
            return  # looked up when needed
        for member in members:
            if member.pk is not None:  # databases that return the new ids
                self._remember(
                    ImportedMember(member.pk, member.email, member.status, 0), member.external_id
                )
