"""Who may see a portal page: a signed-in login with a membership (claimed or joined)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from members.models import Member
from members.services import membership_for
from referrals.services import apply_referral_from_session


def portal_page(view=None, *, closed_ok: bool = False):
    """Signed in, with a membership (claimed or created on the first visit), else a notice.

    The view is called as ``view(request, member, ...)``: pages never take a member id,
    so a member only ever sees their own data. A closed membership sees only the pages
    marked ``closed_ok`` (the home page says so).
    """
    if view is None:
        return lambda func: portal_page(func, closed_ok=closed_ok)

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        member, created = membership_for(request.user)
        if created:  # a new member who followed a friend's link is that friend's referral
            apply_referral_from_session(request, member)
        if member is None:
            return render(request, "portal/no_member.html")
        if member.status == Member.Status.CLOSED and not closed_ok:
            return redirect("portal:home")
        return view(request, member, *args, **kwargs)

    return wrapper
