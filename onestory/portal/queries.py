"""Reads the person portal needs before anyone is signed in: finding a synthetic person by
NHS number and date of birth for the demo-only sign-in, and their demo account if one was
made before. Neither returns anything about the person beyond which person it is."""

from datetime import date

from django.contrib.auth import get_user_model

from onestory.people.models import Person, PersonLink


def demo_username(person: Person) -> str:
    """The username of the account the demo sign-in makes for a person."""
    return f"demo-{person.external_id}"


def find_person_for_demo(nhs_number: str, date_of_birth: date) -> Person | None:
    """The one person (in the current linkage run) with a linked record holding both this
    NHS number and this date of birth; None when there is nobody, or more than one."""
    ids = list(
        PersonLink.objects.filter(
            run__is_current=True,
            record__nhs_number=nhs_number,
            record__date_of_birth=date_of_birth,
        )
        .values_list("person_id", flat=True)
        .distinct()[:2]
    )
    if len(ids) != 1:
        return None
    return Person.objects.get(pk=ids[0])


def demo_user(person: Person):
    """The demo account's user for the person, or None when there is none yet."""
    return get_user_model().objects.filter(username=demo_username(person)).first()
