"""A one-time password opens only the first-login page.

At login the session notes whether the user still holds a one-time password; while
it does, every page redirects to the first-login page (the API answers 403), so an
agency's account is in its own hands before it reports anything.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .accounts import password_change, password_change_required

SESSION_KEY = "carbonplan_password_change_required"
# Pages a user with a one-time password may still open.
OPEN_PREFIXES = ("/accounts/logout/", "/i18n/", "/static/", "/healthz", "/api/auth/")


def note_password_change_required(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if password_change_required(user):
        request.session[SESSION_KEY] = True
    else:
        request.session.pop(SESSION_KEY, None)


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) and request.user.is_authenticated:
            target = reverse("agencies:first-login")
            path = request.path
            if path != target and not path.startswith(OPEN_PREFIXES):
                if path.startswith("/api/"):
                    # The API's documented error body.
                    detail = _("请先修改初始密码。")
                    error = {"code": "password_change_required", "detail": detail, "attr": None}
                    return JsonResponse(
                        {
                            "type": "client_error",
                            "errors": [error],
                            "detail": detail,
                            "password_change_required": True,
                        },
                        status=403,
                    )
                return redirect(target)
        return self.get_response(request)


class FirstLoginForm(forms.Form):
    old_password = forms.CharField(
        label=_lazy("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_lazy("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_lazy("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


@login_required
def first_login(request):
    """首次登录：replace the one-time password the office handed out."""
    if not request.session.get(SESSION_KEY):
        return redirect("home")
    if not password_change_required(request.user):
        # Changed meanwhile (through the API, or in another browser).
        request.session.pop(SESSION_KEY, None)
        return redirect("home")
    form = FirstLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            update_session_auth_hash(request, request.user)
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("密码已修改，欢迎使用。"))
            return redirect("home")
    return render(
        request,
        "agencies/first_login.html",
        {"form": form, "password_help": password_validators_help_text_html()},
        status=400 if form.errors else 200,
    )
