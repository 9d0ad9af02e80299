"""allauth for the portal: the program's sender and templates, and the member's language.

Sign-in, sign-up, verification and password-reset emails come from the program's name
(``rewards.messaging.sender``), without allauth's ``[host]`` subject prefix, rendered
from the project's own templates (``templates/account/email/``) with the program's brand.
"""

from loyalty.client_ip import AccountAdapter as ClientIpAdapter
from members.models import Member
from rewards.messaging import brand_context, sender
from rewards.models import Program

from .language import OFFERED, SESSION_KEY


class AccountAdapter(ClientIpAdapter):
    def format_email_subject(self, subject: str) -> str:
        return " ".join(str(subject).split())  # the sender's name says who writes

    def get_from_email(self) -> str:
        return sender(Program.get())

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {**brand_context(Program.get()), **context}
        super().send_mail(template_prefix, email, context)

    def login(self, request, user) -> None:
        """Signed in: the member's language follows them; a member who never chose one
        keeps the browser's, which their emails then use."""
        super().login(request, user)
        member = Member.objects.filter(user=user).only("pk", "language").first()
        if member is None:
            return
        if member.language in OFFERED:
            request.session[SESSION_KEY] = member.language
        elif request.LANGUAGE_CODE in OFFERED:
            Member.objects.filter(pk=member.pk, language="").update(language=request.LANGUAGE_CODE)
