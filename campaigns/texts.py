"""The text of each kind of message: the admin's template in the member's language, else
English, else the built-in default. Templates use Django's template language, as text."""

from django.template import Context, Template, TemplateSyntaxError

from loyalty.errors import ApplicationError

from .models import MessageKind, MessageTemplate

DEFAULTS = {
    MessageKind.WELCOME: (
        "Welcome to {{ program }}",
        "Hello {{ name }},\n\nWelcome to {{ program }}: every purchase now earns points.\n",
    ),
    MessageKind.POINTS_EARNED: (
        "You earned {{ points }} points",
        "Hello {{ name }},\n\nYou earned {{ points }} points on {{ day }}. "
        "Your balance is {{ balance }} points.\n",
    ),
    MessageKind.REWARD_IN_REACH: (
        "{{ reward }} is within reach",
        "Hello {{ name }},\n\nOnly {{ missing }} more points and {{ reward }} is yours.\n",
    ),
    MessageKind.TIER_REACHED: (
        "Welcome to {{ tier }}",
        "Hello {{ name }},\n\nYou have reached {{ tier }}. Enjoy its benefits.\n",
    ),
    MessageKind.BIRTHDAY: (
        "Happy birthday, {{ name }}",
        "Hello {{ name }},\n\nHappy birthday from all of us at {{ program }}!\n",
    ),
    MessageKind.POINTS_EXPIRING: (
        "Your points expire soon",
        "Hello {{ name }},\n\nSome of your points expire soon: spend them on a reward.\n",
    ),
    MessageKind.WIN_BACK: (
        "We miss you, {{ name }}",
        "Hello {{ name }},\n\nIt has been {{ days }} days since your last visit. "
        "Your {{ balance }} points are waiting for you.\n",
    ),
    MessageKind.CAMPAIGN: (
        "{{ campaign }}",
        "Hello {{ name }},\n\n{{ offer }}\n",
    ),
}
FOOTER = "\n--\nTo stop receiving these emails: {{ unsubscribe_url }}\n"


def template_for(kind: str, language: str) -> tuple[str, str]:
    """The subject and body templates of a kind in a language (falling back to English)."""
    found = {
        t.language: t
        for t in MessageTemplate.objects.filter(
            kind=kind, language__in={language, "en"}, active=True
        )
    }
    chosen = found.get(language) or found.get("en")
    return (chosen.subject, chosen.body) if chosen else DEFAULTS[kind]


def render_text(subject: str, body: str, context: dict) -> tuple[str, str]:
    """The subject (one line) and the body with its unsubscribe footer, as plain text."""
    try:
        ctx = Context(context, autoescape=False)
        rendered_subject = Template(subject).render(ctx)
        rendered_body = Template(body + FOOTER).render(ctx)
    except TemplateSyntaxError as exc:
        raise ApplicationError(f"The template cannot be read: {exc}", field="body") from None
    return " ".join(rendered_subject.split()), rendered_body
