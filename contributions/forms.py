import hashlib
import json
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from contributions.models import Contribution, SubmitterKind
from helsingborg_innovation.limits import CharacterLimit, written_number

STARTED_SALT = "contributions.form.started"


def sign_started() -> str:
    """The signed time the form was opened, with a random key that names this one form."""
    return signing.dumps({"at": time.time(), "key": secrets.token_urlsafe(16)}, salt=STARTED_SALT)


def _normalised(value: str) -> str:
    return value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


# The message for each field that is too long; %(limit_value)s and %(show_value)s are the
# numbers as the page's language writes them (see CharacterLimit).
TOO_LONG = {
    "title": _("The title can be at most %(limit_value)s characters (it has %(show_value)s)."),
    "text": _("The idea can be at most %(limit_value)s characters (it has %(show_value)s)."),
    "name": _("The name can be at most %(limit_value)s characters (it has %(show_value)s)."),
    "email": _(
        "The e-mail address can be at most %(limit_value)s characters (it has %(show_value)s)."
    ),
    "organisation": _(
        "The organisation can be at most %(limit_value)s characters (it has %(show_value)s)."
    ),
}


def limit_of(field: str) -> list[CharacterLimit]:
    """The validators of a form field that takes Contribution's `field`."""
    return [CharacterLimit(Contribution._meta.get_field(field).max_length)]


class NamedDomainValidator(EmailValidator):
    """Django's check of an address, without its domains written as an address in brackets
    (name@[127.0.0.1]): the mail server sends to that machine, its own or one on the city's
    network, and the receipt with the idea's private link went there."""

    def validate_domain_part(self, domain_part):
        return bool(self.domain_regex.match(domain_part))


class PublicEmailField(forms.EmailField):
    """An address on the internet. Django's own also lets name@localhost and name@[127.0.0.1]
    through, a mailbox on the portal's mail server: the receipt, with the idea's private link,
    went there."""

    default_validators = [NamedDomainValidator(allowlist=[])]


class ContributionForm(forms.Form):
    """The public form for an idea.

    Beside the fields people see it carries two checks against robots: a field people are
    told to leave empty (`website`) and the signed time the form was opened (`started`). The
    signed value also holds a random key of the form page, so that the same page sent again
    with the same idea (a double click, "Send" again after an error page) is known as such.
    """

    # The limits are CharacterLimit validators, not max_length: no maxlength in the page.
    # Those of the two fields people write freely, and may paste into, are in their hints; a
    # name or an address is never near its limit.
    title = forms.CharField(
        label=_("Title of your idea"),
        validators=limit_of("title"),
        help_text=_("A short line that sums up the idea, at most %(limit)s characters."),
    )
    text = forms.CharField(
        label=_("Your idea"),
        validators=limit_of("text"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "What would you do, and how would it help? At most %(limit)s characters. "
            "Do not write anything about other people that they would not want published."
        ),
    )
    name = forms.CharField(label=_("Your name"), validators=limit_of("name"))
    email = PublicEmailField(
        label=_("Your e-mail address"),
        max_length=None,  # Django's own 320 would be written as maxlength
        validators=limit_of("email"),
        help_text=_("We send you a receipt and a link where you can follow your idea."),
    )
    organisation = forms.CharField(
        label=_("Organisation (optional)"),
        validators=limit_of("organisation"),
        required=False,
        help_text=_("If you write on behalf of an association, business or university."),
    )
    kind = forms.ChoiceField(
        label=_("Who are you?"),
        choices=SubmitterKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who you are.")},
    )
    show_name = forms.BooleanField(
        label=_("My name may be shown with my idea"),
        required=False,
        help_text=_("Otherwise only who you are is shown, for example “From a resident”."),
    )
    consent = forms.BooleanField(
        label=_("I agree that the city handles my personal data to deal with my idea"),
        error_messages={
            "required": _("You must agree to the handling of your personal data to send an idea.")
        },
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    error_messages = {
        "too_fast": _("The form was sent very quickly. Please check your idea and send it again."),
        "stale": _("The form could not be checked. Please check your idea and send it again."),
        "expired": _(
            "Your idea has not been sent yet: the form had been open for too long. What you "
            "wrote is still below; send it again."
        ),
        # Django's check against forged forms (CSRF) refused it: see views.contribution_unchecked.
        "unchecked": _(
            "Your idea has not been sent yet: the site could not check that the form came from "
            "here. What you wrote is still below; send it again. If this happens again, allow "
            "cookies for this site: the check needs one."
        ),
    }

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            # PostgreSQL refuses NUL characters in text; nobody types them on purpose. A
            # browser sends each line break of a text area as two characters, where the person
            # writing sees one: 5,000 characters typed with 24 line breaks were refused as
            # 5,024. Line breaks are kept as one character.
            data = data.copy()
            for key, values in list(data.lists()):
                data.setlist(key, [_normalised(value) for value in values])
        super().__init__(data, *args, **kwargs)
        self._page_key = ""
        self.fields["title"].error_messages["required"] = _("Enter a title for your idea.")
        self.fields["text"].error_messages["required"] = _("Describe your idea.")
        self.fields["name"].error_messages["required"] = _("Enter your name.")
        self.fields["email"].error_messages["required"] = _("Enter your e-mail address.")
        self.fields["email"].error_messages["invalid"] = _(
            "Enter an e-mail address in the right form, such as name@example.com."
        )
        # Django's own message names no field, and the error summary lists them all.
        for name, message in TOO_LONG.items():
            self.fields[name].error_messages["max_length"] = message
        for name in ("title", "text"):
            limit = Contribution._meta.get_field(name).max_length
            self.fields[name].help_text %= {"limit": written_number(limit)}
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"
        if not self.is_bound:
            self.initial["started"] = sign_started()
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-hint"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                ids = [widget.attrs.get("aria-describedby", ""), f"{self[name].auto_id}-error"]
                widget.attrs["aria-describedby"] = " ".join(i for i in ids if i)
                widget.attrs["aria-invalid"] = "true"

    def clean(self):
        cleaned = super().clean()
        try:
            started = signing.loads(
                self.data.get("started", ""),
                salt=STARTED_SALT,
                max_age=settings.CONTRIBUTION_FORM_MAX_AGE_SECONDS,
            )
        except signing.SignatureExpired:
            # Open longer than CONTRIBUTION_FORM_MAX_AGE_SECONDS: a resident who wrote slowly
            # (or left for lunch) is told so, not that something is wrong with the form.
            self._restart()
            raise forms.ValidationError(self.error_messages["expired"], code="expired") from None
        except signing.BadSignature:
            self._restart()
            raise forms.ValidationError(self.error_messages["stale"], code="stale") from None
        # Forms opened before the key was added hold only the time.
        if isinstance(started, dict):
            started, self._page_key = started["at"], started["key"]
        if time.time() - float(started) < settings.CONTRIBUTION_MIN_SECONDS:
            raise forms.ValidationError(self.error_messages["too_fast"], code="too_fast")
        return cleaned

    def _restart(self) -> None:
        """Give the re-shown form a fresh start time, so sending it again works."""
        self.data = self.data.copy()
        self.data["started"] = sign_started()

    @property
    def is_trapped(self) -> bool:
        """Whether the field people are told to leave empty was filled (by a robot, likely)."""
        return bool(self.cleaned_data.get("website", "").strip())

    def submission(self) -> dict:
        """The cleaned fields, as contribution_submit takes them."""
        fields = ["title", "text", "name", "email", "organisation", "kind", "show_name", "consent"]
        submission = {name: self.cleaned_data[name] for name in fields}
        submission["submission_key"] = self._submission_key(submission)
        return submission

    def content_key(self) -> str:
        """The same for the same idea with every field as sent, from whichever form page."""
        fields = ["title", "text", "name", "email", "organisation", "kind", "show_name"]
        content = [{name: self.cleaned_data[name] for name in fields}, self.is_trapped]
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]

    def _submission_key(self, submission: dict) -> str:
        """The same for this form page sent again with the same idea, and only then.

        Someone who goes back and changes the idea before sending it again sends a new idea.
        """
        if not self._page_key:
            return ""
        content = json.dumps([self._page_key, submission, self.is_trapped], sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary: each message links to its field."""
        links = [("", str(message)) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            anchor = self[name].auto_id
            if isinstance(field.widget, forms.RadioSelect):
                anchor = f"{anchor}_0"
            links += [(anchor, str(message)) for message in self[name].errors]
        return links
