"""Organisations, staff logins and the demo roster: created once, audited, idempotent."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from onestory.access.actions import create_organisation, create_staff_member
from onestory.access.domain.roles import ROLES
from onestory.access.models import Organisation, OrganisationKind, StaffMember
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.demo import DEMO_PASSWORD, DEMO_STAFF, create_demo_logins

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test", channel="cli")


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_create_organisation_creates_and_audits_once():
    org = create_organisation(code="Y0001", name="Riverside Surgery", kind="gp_practice", by=ACTOR)
    again = create_organisation(
        code="Y0001", name="Riverside Surgery", kind="gp_practice", by=ACTOR
    )
    assert again.pk == org.pk
    assert Organisation.objects.count() == 1
    (event,) = _events("access.create_organisation")
    assert event.detail["code"] == "Y0001"
    assert event.detail["created"] is True
    assert event.actor_id == "system:test"


def test_create_organisation_updates_name_when_changed():
    create_organisation(code="Y0001", name="Old name", kind="gp_practice", by=ACTOR)
    org = create_organisation(code="Y0001", name="New name", kind="gp_practice", by=ACTOR)
    assert Organisation.objects.get(pk=org.pk).name == "New name"
    events = _events("access.create_organisation")
    assert [e.detail["changed"] for e in events] == [["code", "name", "kind"], ["name"]]


def test_create_organisation_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown organisation kind"):
        create_organisation(code="X1", name="X", kind="spaceport", by=ACTOR)
    assert not Organisation.objects.exists()
    assert not AuditEvent.objects.exists()


def _org():
    return create_organisation(
        code="C001", name="Borough Council", kind=OrganisationKind.ADULT_SOCIAL_CARE, by=ACTOR
    )


def test_create_staff_member_makes_a_login_without_auditing_the_password():
    staff = create_staff_member(
        username="sw.one",
        password="a-long-password",
        organisation=_org(),
        role="social_worker",
        by=ACTOR,
        job_title="Social worker",
    )
    user = get_user_model().objects.get(username="sw.one")
    assert user.check_password("a-long-password")
    assert staff.role == "social_worker" and staff.organisation.code == "C001"
    (event,) = _events("access.create_staff")
    assert event.detail["username"] == "sw.one"
    assert event.detail["role"] == "social_worker"
    assert "a-long-password" not in repr(event.detail)
    assert "password" not in event.detail


def test_create_staff_member_twice_changes_nothing_and_audits_once():
    org = _org()
    for _ in range(2):
        create_staff_member(
            username="sw.one",
            password="a-long-password",
            organisation=org,
            role="social_worker",
            by=ACTOR,
        )
    assert StaffMember.objects.count() == 1
    assert len(_events("access.create_staff")) == 1


def test_create_staff_member_updates_role_and_password():
    org = _org()
    create_staff_member(
        username="sw.one",
        password="a-long-password",
        organisation=org,
        role="social_worker",
        by=ACTOR,
    )
    create_staff_member(
        username="sw.one",
        password="another-password",
        organisation=org,
        role="care_coordinator",
        by=ACTOR,
    )
    assert StaffMember.objects.get().role == "care_coordinator"
    assert get_user_model().objects.get().check_password("another-password")
    last = _events("access.create_staff")[-1]
    assert last.detail["changed"] == ["role"]
    assert last.detail["password_changed"] is True


def test_create_staff_member_rejects_unknown_role_and_short_password():
    org = _org()
    with pytest.raises(ValueError, match="unknown role"):
        create_staff_member(
            username="x", password="a-long-password", organisation=org, role="wizard", by=ACTOR
        )
    with pytest.raises(ValidationError):
        create_staff_member(username="x", password="short", organisation=org, role="gp", by=ACTOR)
    assert not get_user_model().objects.filter(username="x").exists()
    assert not _events("access.create_staff")


def test_create_demo_logins_one_per_role_and_each_can_log_in(client):
    logins = create_demo_logins(by=ACTOR)
    assert sorted(login.role for login in logins) == sorted(ROLES)
    assert Organisation.objects.filter(kind=OrganisationKind.COMMISSIONER).count() == 1
    for username, role, _, _ in DEMO_STAFF:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        assert StaffMember.objects.get(user__username=username).role == role
        client.logout()


def test_create_demo_logins_twice_adds_nothing():
    create_demo_logins(by=ACTOR)
    users, events = get_user_model().objects.count(), AuditEvent.objects.count()
    create_demo_logins(by=ACTOR)
    assert get_user_model().objects.count() == users
    assert AuditEvent.objects.count() == events


def test_create_demo_logins_refuses_in_production(settings):
    settings.ENV = "production"
    with pytest.raises(SystemExit, match="ONESTORY_ENV=demo"):
        create_demo_logins(by=ACTOR)
    assert not get_user_model().objects.exists()


def test_demo_staff_have_realistic_names_and_job_titles():
    create_demo_logins(by=ACTOR)
    gp = StaffMember.objects.select_related("user", "organisation").get(user__username="gp.demo")
    assert (gp.user.first_name, gp.user.last_name, gp.job_title) == ("Owen", "Gupta", "GP partner")
    assert gp.described == f"Owen Gupta, GP partner at {gp.organisation.name}"
    unnamed = StaffMember.objects.filter(user__first_name="").values_list(
        "user__username", flat=True
    )
    assert list(unnamed) == []
