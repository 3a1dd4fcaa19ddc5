"""django-oauth-toolkit's validator with the SMART launch context (ADR 0030): the person
chosen on the consent page travels with the authorization code to the access token, and
the token response names them (`patient`), as SMART App Launch asks."""

import hashlib

from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from onestory.interop.models import SmartLaunch
from onestory.people.models import Person


class SmartValidator(OAuth2Validator):
    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if valid:
            request.smart_launch = (
                SmartLaunch.objects.filter(code=code, application=client, access_token=None)
                .select_related("person")
                .first()
            )
        return valid

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """A refreshed token keeps the person its launch chose (read before the old access
        token, and its launch with it, is revoked)."""
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        old = getattr(request, "refresh_token_instance", None)
        if valid and old is not None and old.access_token_id is not None:
            request.smart_person = (
                SmartLaunch.objects.filter(access_token_id=old.access_token_id)
                .select_related("person")
                .values_list("person", flat=True)
                .first()
            )
        return valid

    def _save_bearer_token(self, token, request, *args, **kwargs):
        launch = getattr(request, "smart_launch", None)
        person_pk = (
            launch.person_id if launch is not None else getattr(request, "smart_person", None)
        )
        saved = super()._save_bearer_token(token, request, *args, **kwargs)
        checksum = hashlib.sha256(token["access_token"].encode()).hexdigest()
        access = get_access_token_model().objects.get(token_checksum=checksum)
        if launch is not None:
            launch.access_token = access
            launch.save(update_fields=["access_token"])
        elif hasattr(request, "smart_person"):
            SmartLaunch.objects.create(
                code=f"refresh:{checksum}",
                application=access.application,
                user=access.user,
                person_id=person_pk,
                access_token=access,
            )
        if person_pk is not None:
            token["patient"] = str(Person.objects.get(pk=person_pk).external_id)
        return saved
