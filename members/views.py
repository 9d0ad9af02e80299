"""The member portal: what a signed-in member sees of their membership."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Member


@login_required
def home(request):
    member = Member.objects.filter(user=request.user).first()
    if member is None and request.user.email:
        # A customer who already exists as a member (e.g. imported) claims it with
        # the verified email address of their login.
        member = Member.objects.filter(email__iexact=request.user.email, user__isnull=True).first()
        if (
            member is not None
            and request.user.emailaddress_set.filter(
                email__iexact=member.email, verified=True
            ).exists()
        ):
            member.user = request.user
            member.save(update_fields=["user", "updated_at"])
        else:
            member = None
    return render(request, "portal/home.html", {"member": member})
