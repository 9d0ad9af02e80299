"""The API takes and finds internationalised email addresses (RFC 6531)."""

from members.models import Member
from tests.factories import MemberFactory


def test_enrolling_an_internationalised_address_stores_it_as_given(api):
    response = api.post("/api/v1/members/", {"email": "用户@例子.广告"}, format="json")
    assert response.status_code == 201, response.json()
    assert Member.objects.get().email == "用户@例子.广告"


def test_the_same_mailbox_with_a_punycode_domain_is_a_duplicate(api):
    MemberFactory(email="josé@exämple.de")
    response = api.post("/api/v1/members/", {"email": "josé@xn--exmple-cua.de"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_member"


def test_an_address_of_the_right_shape_but_invalid_is_refused_on_the_field(api):
    response = api.post("/api/v1/members/", {"email": "jo\u200bsé@exämple.de"}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "email"
    assert not Member.objects.exists()


def test_a_lookup_finds_the_member_by_any_spelling_of_the_address(api):
    member = MemberFactory(email="josé@exämple.de")
    for asked in ("JOSÉ@EXÄMPLE.DE", "josé@xn--exmple-cua.de"):
        response = api.get("/api/v1/members/lookup/", {"email": asked})
        assert response.status_code == 200 and response.json()["id"] == member.pk


def test_the_sync_list_filters_by_any_spelling_of_the_address(api):
    member = MemberFactory(email="josé@exämple.de")
    MemberFactory(email="ann@example.com")
    response = api.get("/api/v1/members/", {"email": "JOSÉ@xn--exmple-cua.de"})
    assert [row["id"] for row in response.json()["results"]] == [member.pk]
