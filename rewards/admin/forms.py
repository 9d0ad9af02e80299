"""The admin's forms: each field checked by ``rewards.validation``, its refusal beside it.

Checks that read other rows (what a purchase could earn with every rule and tier, the
large thresholds) live here rather than in the models' ``clean``: they are questions of
the program as a whole, asked when staff change it.
"""

from django import forms
from django.utils import timezone

from loyalty.errors import ApplicationError

from .. import brand, selectors, validation
from ..adjustments.services import ADJUSTMENT_TEXT
from ..models import Channel, EarnRule, Program


def refuse_beside(form: forms.Form, exc: ApplicationError) -> None:
    """A service's refusal, beside the field it names when the form has one."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def checked(form: forms.Form, name: str, check, **options):
    """``cleaned_data[name]`` through a check; its refusal becomes the field's error."""
    value = form.cleaned_data.get(name)
    if value is None:
        return value
    try:
        return check(value, field=name, **options)
    except ApplicationError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None


def ceiling_error(form: forms.ModelForm, field: str, label: str, **edited) -> None:
    """Refuse the settings if the largest purchase could earn past the ceiling."""
    try:
        most = selectors.most_points_per_purchase(**edited)
        program = edited.get("program") or Program.get()
        validation.check_purchase_ceiling(
            most, field=field, label=label, max_amount=program.max_purchase_amount
        )
    except ApplicationError as exc:
        form.add_error(field if field in form.fields else None, exc.message)


class ProgramForm(forms.ModelForm):
    logo_upload = forms.FileField(
        label="Logo", required=False, help_text="PNG, JPEG or WebP, at most 200 KB."
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)

    class Meta:
        model = Program
        fields = [f.name for f in Program._meta.fields if f.editable and f.name != "id"]

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if not upload:
            return None
        data = upload.read(brand.MAX_LOGO_BYTES + 1)
        try:
            brand.logo_type(data)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return data

    def _post_clean(self):
        super()._post_clean()  # the instance has the form's values once the model is clean
        if not self.errors:
            ceiling_error(self, "earn_points", "earn rate", program=self.instance)


class EarnRuleForm(forms.ModelForm):
    class Meta:
        model = EarnRule
        fields = [f.name for f in EarnRule._meta.fields if f.editable and f.name != "id"]
        fields += ["tiers"]

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            field = (
                "multiplier" if self.instance.kind == EarnRule.Kind.MULTIPLIER else "bonus_points"
            )
            ceiling_error(self, field, field.replace("_", " "), rule=self.instance)


class MemberForm(forms.ModelForm):
    """The members app's form, with the enrolment date within the program's dates."""

    def clean_enrolled_at(self):
        if "enrolled_at" not in self.changed_data:  # as recorded: not judged by today's limits
            return self.cleaned_data.get("enrolled_at")
        return checked(self, "enrolled_at", validation.check_moment, label="enrolment date")


def when_field() -> forms.DateTimeField:
    """When the event happened, if not now (a till that was offline, a late correction).

    Dated inside a closed period, the reports book it in the next open period."""
    return forms.DateTimeField(
        required=False,
        label="When it happened",
        help_text="Empty: now. YYYY-MM-DD HH:MM; not before the program's earliest date.",
    )


class AdjustForm(forms.Form):
    points = forms.IntegerField(help_text="Positive to add points, negative to remove them.")
    description = forms.CharField(
        label="Description (the member sees it)",
        max_length=255,
        required=False,
        initial=ADJUSTMENT_TEXT,
        help_text='What the member reads in their history; empty: "Points adjustment".',
    )
    reason = forms.CharField(
        label="Internal note (staff only)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: why the points change. Never shown to the member.",
    )
    effective_at = when_field()

    def clean_points(self):
        return checked(self, "points", validation.check_points, allow_negative=True)


class RecordPurchaseForm(forms.Form):
    channel = forms.ModelChoiceField(Channel.objects.all(), to_field_name="code")
    order_id = forms.CharField(label="Order id", max_length=100)
    member_email = forms.EmailField(
        label="Member's email",
        required=False,
        help_text="Empty for a customer who is not a member.",
    )
    amount = forms.DecimalField(help_text="What the customer paid, shipping and tax included.")
    shipping_amount = forms.DecimalField(label="Shipping", initial=0)
    tax_amount = forms.DecimalField(label="Tax", initial=0)
    currency = forms.CharField(
        max_length=3, required=False, help_text="Empty for the program's currency."
    )
    purchased_at = forms.DateTimeField(label="Purchase date", initial=timezone.now)
    confirm_large = forms.BooleanField(
        label="Yes, record this large purchase",
        required=False,
        help_text="Needed only for an amount above the program's large-purchase threshold.",
    )

    def clean_amount(self):
        return checked(self, "amount", validation.check_amount)

    def clean_shipping_amount(self):
        return checked(
            self, "shipping_amount", validation.check_amount, label="shipping", allow_zero=True
        )

    def clean_tax_amount(self):
        return checked(self, "tax_amount", validation.check_amount, label="tax", allow_zero=True)

    def clean_purchased_at(self):
        return checked(self, "purchased_at", validation.check_moment, label="purchase date")

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        if amount is not None and not data.get("confirm_large"):
            question = validation.large_purchase_question(amount, validation.limits())
            if question:
                self.add_error("confirm_large", f"{question} Tick the box to record it.")
        return data


class RefundForm(forms.Form):
    amount = forms.DecimalField()
    reason = forms.CharField(max_length=255)
    refunded_at = when_field()

    def clean_amount(self):
        return checked(self, "amount", validation.check_amount, label="refund amount")


class CancelRedemptionForm(forms.Form):
    reason = forms.CharField(max_length=255)
    effective_at = when_field()


class RejectAdjustmentForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="Required; the requester sees it.")


class ApproveAdjustmentForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, post these points",
        help_text="The points are credited (or taken) as soon as you approve.",
    )
