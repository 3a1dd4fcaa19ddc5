"""SMART App Launch pages (ADR 0030): the discovery document, the consent page (the
toolkit's authorization endpoint in NHS.UK style, with the person picker for `patient/*`
scopes) and the app registration page. Thin: they call only `interop.smart`."""

from urllib.parse import parse_qs, urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from oauth2_provider.forms import AllowForm
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission
from onestory.interop import smart


@require_GET
def smart_configuration(request: HttpRequest) -> HttpResponse:
    """`/.well-known/smart-configuration` (and under /fhir): public, as SMART asks."""
    origin = request.build_absolute_uri("/").rstrip("/")
    return JsonResponse(smart.smart_configuration(origin))


class ConsentForm(AllowForm):
    patient = forms.CharField(required=False)


class SmartAuthorizeView(AuthorizationView):
    """The signed-in user approves the scopes an app asks for (and, for `patient/*`,
    chooses the one person it may read about, among those they may see themselves)."""

    template_name = "interop/smart_consent.html"
    form_class = ConsentForm
    http_method_names = ["get", "post"]

    def _actor(self):
        by = actor_for_user(self.request.user, "page")
        if not (
            has_permission(by, Permission.VIEW_RECORD)
            or has_permission(by, Permission.VIEW_OWN_RECORD)
        ):
            raise PermissionDenied("Your role does not read records, so it cannot share them.")
        return by

    def get(self, request, *args, **kwargs):
        self._actor()
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, **kwargs):
        """The consent form may send the browser on to the app's registered redirect
        addresses (a browser applies the page's `form-action` to that redirect too), and
        nowhere else."""
        response = super().render_to_response(context, **kwargs)
        client_id = self.request.GET.get("client_id") or self.request.POST.get("client_id", "")
        app = get_application_model().objects.filter(client_id=client_id).first()
        origins = sorted(
            {
                f"{parts.scheme}://{parts.netloc}"
                for parts in (urlsplit(u) for u in (app.redirect_uris.split() if app else []))
                if parts.scheme in ("https", "http") and parts.netloc
            }
        )
        response._csp_config = {
            **settings.SECURE_CSP,
            "form-action": [*settings.SECURE_CSP["form-action"], *origins],
        }
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scopes = kwargs.get("scopes") or self.request.POST.get("scope", "").split()
        if set(scopes) & smart.PATIENT_SCOPES:
            context["people"] = smart.consent_people(by=self._actor())
        context["scope_list"] = [(s, settings.SMART_SCOPES.get(s, s)) for s in scopes]
        form = context.get("form")
        if form is not None and form.errors.get("patient"):
            context["errors"] = {"patient": form.errors["patient"][0]}
        if "application" not in context:
            client_id = self.request.POST.get("client_id", "")
            context["application"] = (
                get_application_model().objects.filter(client_id=client_id).first()
            )
        return context

    def form_valid(self, form):
        by = self._actor()
        scopes = set(form.cleaned_data.get("scope", "").split())
        person = None
        if form.cleaned_data.get("allow") and scopes & smart.PATIENT_SCOPES:
            try:
                person = smart.person_for_consent(form.cleaned_data.get("patient", ""), by=by)
            except PermissionDenied:
                form.add_error("patient", "Choose the person this app may read about")
                return self.form_invalid(form)
        response = super().form_valid(form)
        location = response.get("Location", "") if hasattr(response, "get") else ""
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        if code:
            app = get_application_model().objects.get(client_id=form.cleaned_data["client_id"])
            smart.record_launch(by=by, application=app, code=code, person=person, scopes=scopes)
        return response


authorize = SmartAuthorizeView.as_view()

APP_DONE = {"removed": "The app was removed. Every token it held has stopped working."}


@login_required
@require_http_methods(["GET", "POST"])
def apps(request: HttpRequest) -> HttpResponse:
    """The apps that may ask for SMART access (GET), and registering one (POST)."""
    by = actor_for_user(request.user, "page")
    context = {"apps": smart.list_apps(by=by), "done": APP_DONE.get(request.GET.get("done", ""))}
    if request.method == "GET":
        return render(request, "interop/smart_apps.html", context)
    values = {
        "name": request.POST.get("name", ""),
        "redirect_uris": request.POST.get("redirect_uris", ""),
        "confidential": request.POST.get("confidential") == "yes",
    }
    try:
        app, secret = smart.register_app(
            by=by,
            name=values["name"],
            redirect_uris=values["redirect_uris"].split(),
            confidential=values["confidential"],
        )
    except ValueError as exc:
        field = "name" if "name" in str(exc) else "redirect_uris"
        context |= {"errors": {field: str(exc)}, "values": values}
        return render(request, "interop/smart_apps.html", context, status=400)
    context |= {"apps": smart.list_apps(by=by), "registered": app, "secret": secret}
    return render(request, "interop/smart_apps.html", context)


@login_required
@require_POST
def app_remove(request: HttpRequest, app_id: int) -> HttpResponse:
    by = actor_for_user(request.user, "page")
    try:
        smart.remove_app(by=by, app_id=app_id)
    except ValueError:
        return render(
            request,
            "interop/smart_apps.html",
            {"apps": smart.list_apps(by=by), "errors": {"apps": "That app no longer exists"}},
            status=404,
        )
    return redirect(reverse("smart-apps") + "?done=removed")
