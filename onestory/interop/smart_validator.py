"""django-oauth-toolkit's validator with the SMART launch context (ADR 0030): the person
chosen on the consent page travels with the authorization code to the access token, and
the token response names them (`patient`), as SMART App Launch asks."""

import hashlib

from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from onestory.interop.models import SmartLaunch


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

    def _save_bearer_token(self, token, request, *args, **kwargs):
        saved = super()._save_bearer_token(token, request, *args, **kwargs)
        launch = getattr(request, "smart_launch", None)
        if launch is not None:
            checksum = hashlib.sha256(token["access_token"].encode()).hexdigest()
            launch.access_token = get_access_token_model().objects.get(token_checksum=checksum)
            launch.save(update_fields=["access_token"])
            if launch.person is not None:
                token["patient"] = str(launch.person.external_id)
        return saved
