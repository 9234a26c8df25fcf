"""Editors add methods with their attachments in the admin."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse

from helsingborg_innovation.publishing import Status
from methods.models import Attachment, Method

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHANGELIST = "admin:methods_method_changelist"


@pytest.fixture
def en_editor(editor_client, settings):
    """The admin in English (it follows the default language), so that messages can be
    compared with their source text whatever the state of the Swedish translation."""
    settings.LANGUAGE_CODE = "en"
    clear_url_caches()  # reversed paths depend on the default language
    yield editor_client
    clear_url_caches()


def _method_data(attachments: list[dict], initial: int = 0, **overrides) -> dict:
    data = {
        "title": "Tjänstedesign på en dag",
        "slug": "tjanstedesign-pa-en-dag",
        "summary": "En dags workshop.",
        "body": "",
        "image_alt": "",
        "kind": Method.Kind.METHOD,
        "stage": Method.Stage.UNDERSTAND,
        "duration": Method.Duration.DAY,
        "external_url": "",
        "status": Status.PUBLISHED,
        "publish_at_0": "",
        "publish_at_1": "",
        "tags": "",
        "attachments-TOTAL_FORMS": str(len(attachments)),
        "attachments-INITIAL_FORMS": str(initial),
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(attachments):
        data.update({f"attachments-{index}-{key}": value for key, value in row.items()})
    data.update(overrides)
    return data


def test_a_form_sent_back_with_errors_asks_for_the_chosen_attachment_again(en_editor):
    """A browser never fills in a file field: the attachment's row came back with its title
    and no file, and the next save refused it as missing."""
    upload = SimpleUploadedFile("mall.pdf", PDF, content_type="application/pdf")
    data = _method_data([{"title": "Mall", "file": upload, "order": "0"}], summary="")
    response = en_editor.post(reverse("admin:methods_method_add"), data)
    assert response.status_code == 200
    (row,) = response.context["inline_admin_formsets"][0].formset.forms
    assert row.errors["file"] == [
        "The file you chose was not saved, because the form has errors. Choose it again "
        "before you save."
    ]
    assert not Attachment.objects.exists()


def test_a_refused_attachment_says_why_and_nothing_more(en_editor):
    upload = SimpleUploadedFile("mall.pdf", b"not a pdf", content_type="application/pdf")
    data = _method_data([{"title": "Mall", "file": upload, "order": "0"}])
    response = en_editor.post(reverse("admin:methods_method_add"), data)
    (row,) = response.context["inline_admin_formsets"][0].formset.forms
    assert row.errors["file"] == ["The file is called .pdf but its content is something else."]


def test_editor_adds_a_published_method_with_an_attachment(en_editor):
    upload = SimpleUploadedFile("mall.pdf", PDF, content_type="application/pdf")
    data = _method_data([{"title": "Mall", "file": upload, "order": "0"}])
    response = en_editor.post(reverse("admin:methods_method_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    attachment = Attachment.objects.get()
    assert attachment.method.slug == "tjanstedesign-pa-en-dag"
    assert attachment.file.read() == PDF
    en_editor.logout()
    page = en_editor.get(attachment.method.get_absolute_url())
    assert page.status_code == 200
    assert attachment.file.url in page.text


def test_a_disguised_attachment_is_refused_with_a_message(en_editor):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    upload = SimpleUploadedFile("mall.pdf", png, content_type="application/pdf")
    data = _method_data([{"title": "Mall", "file": upload, "order": "0"}])
    response = en_editor.post(reverse("admin:methods_method_add"), data)
    assert response.status_code == 200
    assert "The file is called .pdf but its content is something else." in response.text
    assert not Method.objects.exists()


def test_saving_a_method_again_does_not_reread_stored_attachments(en_editor, make_method, settings):
    method = make_method(slug="tjanstedesign-pa-en-dag")
    attachment = Attachment.objects.create(
        method=method, title="Mall", file=ContentFile(PDF, name="mall.pdf")
    )
    # The limit was lowered after the upload; editing the method must still work.
    settings.ATTACHMENT_MAX_BYTES = 10
    row = {"id": attachment.pk, "method": method.pk, "title": "Ny titel", "order": "0"}
    response = en_editor.post(
        reverse("admin:methods_method_change", args=[method.pk]),
        _method_data([row], initial=1),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    attachment.refresh_from_db()
    assert attachment.title == "Ny titel"


def test_changelist_counts_attachments_without_a_query_per_row(editor_client, make_method):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(reverse(CHANGELIST))
            assert response.status_code == 200
        return len(queries)

    def method_with_attachments(n: int) -> Method:
        method = make_method(tags=["a"])
        for i in range(n):
            Attachment.objects.create(
                method=method, title=f"Bilaga {i}", file=ContentFile(PDF, name="b.pdf")
            )
        return method

    method_with_attachments(1)
    few = count()
    for _ in range(15):
        method_with_attachments(2)
    assert count() == few
    page = editor_client.get(reverse(CHANGELIST)).text
    assert '<td class="field-attachment_count">2</td>' in page


def test_deleting_a_method_lists_the_method_not_each_use_of_it(
    editor_client, make_method, make_challenge, make_initiative
):
    """Django listed every use as "Initiative-method relation: Initiative_methods object (17)",
    a line for each initiative that used the method, which tells an editor nothing."""
    method = make_method(title="Designsprint", tags=["workshop"])
    Attachment.objects.create(method=method, title="Mall", file=ContentFile(PDF, "mall.pdf"))
    challenge = make_challenge(suggested_methods=[method])
    initiatives = [make_initiative(methods=[method]) for _ in range(3)]
    url = reverse("admin:methods_method_delete", args=[method.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(url).status_code == 200
        return len(queries)

    page = editor_client.get(url).text
    for link_row in ("relation", "Initiative_", "Challenge_", "agged"):
        assert link_row not in page
    assert "Designsprint" in page
    assert "Mall" in page  # the attachment goes with it
    assert "kopplingar" in page  # what it is linked to stays
    few = count()
    for _ in range(10):
        make_initiative(methods=[method])
    assert count() == few
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Method.objects.filter(pk=method.pk).exists()
    assert challenge.__class__.objects.filter(pk=challenge.pk).exists()
    assert all(i.__class__.objects.filter(pk=i.pk).exists() for i in initiatives)
