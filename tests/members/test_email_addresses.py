"""Internationalised email addresses (RFC 6531): one rule, and one way to match them."""

import re

import pytest
from allauth.account.models import EmailAddress

from loyalty.errors import ApplicationError
from members.models import Member, User
from members.validation import check_email, email_key
from tests.factories import MemberFactory, UserFactory

ACCEPTED = ["josé@exämple.de", "用户@例子.广告", "zoë.o'neil+tag@bücher.example", "a@example.com"]


@pytest.mark.parametrize("address", ACCEPTED)
def test_an_internationalised_address_is_accepted_as_given(address):
    assert check_email(f"  {address} ") == address


def test_an_address_is_kept_lower_case_but_not_converted_to_punycode():
    assert check_email("JOSÉ@EXÄMPLE.DE") == "josé@exämple.de"


@pytest.mark.parametrize(
    "address",
    [
        "josé@",
        "@exämple.de",
        "jo sé@exämple.de",
        "zero\u200bwidth@example.com",
        "a..b@x.de",
        "josé@exä mple.de",
        "x@-bad-.de",
        "é" * 40 + "@example.com",
    ],
)
def test_a_malformed_address_is_refused_in_words(address):
    with pytest.raises(ApplicationError) as refused:
        check_email(address)
    assert refused.value.message.endswith("is not a valid email address.")
    assert refused.value.field == "email"


def test_the_same_mailbox_written_with_a_punycode_domain_has_the_same_key():
    assert email_key("JOSÉ@EXÄMPLE.DE") == email_key("josé@xn--exmple-cua.de")
    assert email_key("josé@exämple.de") != email_key("jose@exämple.de")


@pytest.mark.parametrize("asked", ["JOSÉ@EXÄMPLE.DE", "josé@xn--exmple-cua.de", "josé@exämple.de"])
def test_a_member_is_found_by_any_spelling_of_their_address(program, asked):
    member = MemberFactory(email="josé@exämple.de")
    MemberFactory(email="jose@example.de")
    assert list(Member.objects.with_email(asked)) == [member]


def test_a_member_stored_with_a_punycode_domain_is_found_by_the_unicode_one(program):
    member = MemberFactory(email="用户@xn--fsqu00a.xn--4rr70v")
    assert list(Member.objects.with_email("用户@例子.广告")) == [member]


# ---------------------------------------------------------------- the admin


@pytest.fixture
def staff(client, db):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def add_member(staff, **fields):
    """Post the admin's add form with its inlines' management data, as a browser would."""
    page = staff.get("/admin/members/member/add/").content.decode()
    management = r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d*)"'
    data = dict(re.findall(management, page))
    data.update(status="active", enrolled_at_0="2026-01-02", enrolled_at_1="10:00:00")
    return staff.post("/admin/members/member/add/", {**data, **fields})


def test_the_admin_adds_a_member_with_an_internationalised_address(staff, program):
    response = add_member(staff, email="José@Exämple.de", first_name="José")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Member.objects.get().email == "josé@exämple.de"


def test_the_admin_refuses_a_malformed_address_beside_the_field(staff, program):
    response = add_member(staff, email="jo sé@exämple.de")
    assert "&#x27;jo sé@exämple.de&#x27; is not a valid email address." in response.content.decode()
    assert not Member.objects.exists()


def test_the_admins_email_input_is_text_so_the_browser_lets_it_through(staff, program):
    page = staff.get("/admin/members/member/add/").content.decode()
    assert 'name="email"' in page and 'inputmode="email"' in page
    assert 'type="email"' not in page


# ---------------------------------------------------------------- sign-up (allauth)

PASSWORD = "A-long-pass-9"


def test_signing_up_with_an_internationalised_address_works(client, program):
    response = client.post(
        "/accounts/signup/",
        {"email": "Zoë@Bücher.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get().email == "zoë@bücher.example"
    assert EmailAddress.objects.get().email == "zoë@bücher.example"


def test_the_signup_page_does_not_ask_the_browser_for_an_ascii_address(client, program):
    page = client.get("/accounts/signup/").content.decode()
    assert 'type="email"' not in page and 'inputmode="email"' in page


def test_a_verified_login_claims_the_member_imported_with_a_punycode_domain(client, program):
    imported = MemberFactory(email="josé@xn--exmple-cua.de")  # as the shop exported it
    user = UserFactory(email="josé@exämple.de")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    client.get("/")
    imported.refresh_from_db()
    assert imported.user == user
    assert Member.objects.count() == 1


def test_it_validates_ownership_a_lookalike_address_claims_nothing(client, program):
    imported = MemberFactory(email="josé@exämple.de")
    user = UserFactory(email="jose@exämple.de")  # no accent: another mailbox
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    client.get("/")
    imported.refresh_from_db()
    assert imported.user is None


def test_logging_in_with_an_internationalised_address_works(client, program):
    user = UserFactory(email="josé@exämple.de")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        "/accounts/login/",
        {"login": "JOSÉ@EXÄMPLE.DE", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
