"""Uploads are judged by their content and size, not by their names."""

import io
import re
import unicodedata
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from challenges.models import Challenge
from helsingborg_innovation.publishing import Status
from helsingborg_innovation.storage import safe_name
from helsingborg_innovation.uploads import validate_attachment, validate_image
from methods.models import Attachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _image(image_format: str = "PNG", size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=image_format)
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _code(validator, name: str, content: bytes) -> str | None:
    """The code of the error the validator raises, or None when it accepts the file."""
    try:
        validator(SimpleUploadedFile(name, content))
    except ValidationError as error:
        return error.code
    return None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rapport.pdf", PDF),
        ("Rapport.PDF", PDF),
        ("bild.png", _image("PNG")),
        ("foto.jpg", _image("JPEG")),
        ("anteckningar.txt", "Lärdomar från piloten\n".encode()),
        # A multi-byte character cut by the first 2048 bytes is still text.
        ("lista.csv", ("a" * 2047 + "å").encode()),
        ("mall.docx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})),
        ("tabell.ods", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})),
    ],
)
def test_real_documents_are_accepted(name, content):
    assert _code(validate_attachment, name, content) is None


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("rapport.pdf", _image("PNG"), "disguised"),
        ("program.exe", b"MZ\x90\x00\x03\x00", "file_type"),
        ("program.pdf.exe", PDF, "file_type"),
        ("utan-filandelse", PDF, "file_type"),
        ("sida.html", b"<script>alert(1)</script>", "file_type"),
        ("anteckningar.txt", b"MZ\x90\x00\x03\x00\x00\x00", "disguised"),
        ("anteckningar.txt", b"\xff\xfe\xfd latin-1 \xe5", "not_utf8"),
        ("mall.docx", _zip({"program.exe": b"MZ"}), "disguised"),
        ("mall.docx", _zip({"[Content_Types].xml": b"", "xl/workbook.xml": b""}), "disguised"),
        ("tabell.ods", _zip({"mimetype": b"application/x-msdownload"}), "disguised"),
        ("mall.docx", b"PK\x03\x04 but not really a zip", "disguised"),
    ],
)  # fmt: skip
def test_forbidden_or_disguised_attachments_are_refused(name, content, code):
    assert _code(validate_attachment, name, content) == code


def test_an_attachment_over_the_limit_is_refused_with_the_sizes(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        validate_attachment(SimpleUploadedFile("stor.pdf", PDF + b"0" * 200))
    assert caught.value.code == "too_large"
    assert caught.value.messages == [
        "The file is 245\xa0bytes; the largest allowed is 100\xa0bytes."
    ]
    assert _code(validate_attachment, "liten.pdf", PDF[:100]) is None


def test_images_are_checked_by_content_size_and_pixels(settings):
    assert _code(validate_image, "foto.jpg", _image("JPEG")) is None
    assert (
        _code(validate_image, "foto.jpg", "Det här är text, inte en bild.".encode())
        == "not_an_image"
    )
    assert _code(validate_image, "ikon.bmp", _image("BMP")) == "image_format"
    settings.IMAGE_MAX_PIXELS = 100
    assert _code(validate_image, "stor.png", _image("PNG", (20, 20))) == "too_many_pixels"
    settings.IMAGE_MAX_BYTES = 10
    assert _code(validate_image, "foto.png", _image("PNG")) == "too_large"


def _animation(image_format: str, frames: int, size=(20, 20)) -> bytes:
    buffer = io.BytesIO()
    colours = [Image.new("RGB", size, (index * 40 % 256, 90, 160)) for index in range(frames)]
    colours[0].save(buffer, format=image_format, save_all=True, append_images=colours[1:])
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["GIF", "PNG", "WEBP"])
def test_an_animation_is_limited_by_the_pixels_of_all_its_frames(settings, image_format):
    """Storing an animation decodes every frame: frames of a size allowed one by one must not
    add up to a decompression bomb."""
    settings.IMAGE_MAX_PIXELS = 1_000  # 20×20 = 400 a frame
    assert _code(validate_image, "rorlig.gif", _animation(image_format, 2)) is None
    assert _code(validate_image, "rorlig.gif", _animation(image_format, 3)) == "too_many_pixels"


@pytest.fixture
def en_editor(editor_client, settings):
    """The admin in English (it follows the default language), so that messages can be
    compared with their source text whatever the state of the Swedish translation."""
    settings.LANGUAGE_CODE = "en"
    clear_url_caches()  # reversed paths depend on the default language
    yield editor_client
    clear_url_caches()


def _method_with_attachment(upload) -> dict:
    return {
        "title": "Mall för intervjuer",
        "slug": "mall-for-intervjuer",
        "summary": "Frågor att börja med.",
        "kind": "template",
        "stage": "understand",
        "status": Status.DRAFT,
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "attachments-0-title": "Mallen",
        "attachments-0-file": upload,
        "attachments-0-order": "0",
    }


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("mall.pdf", _image("PNG"), "The file is called .pdf but its content is something else."),
        ("mall.exe", b"MZ\x90\x00", "Files of this type are not accepted. Allowed types: "),
        (
            "mall.pdf",
            PDF + b"0" * 200,
            "The file is 245\xa0bytes; the largest allowed is 100\xa0bytes.",
        ),
    ],
)
def test_the_admin_form_shows_why_an_attachment_was_refused(
    en_editor, settings, name, content, message
):
    settings.ATTACHMENT_MAX_BYTES = 100
    upload = SimpleUploadedFile(name, content)
    response = en_editor.post(reverse("admin:methods_method_add"), _method_with_attachment(upload))
    assert response.status_code == 200
    assert message in response.text
    assert not response.context["inline_admin_formsets"][0].formset.is_valid()


def test_the_admin_form_refuses_text_called_jpg_as_image(en_editor, make_department):
    upload = SimpleUploadedFile("foto.jpg", "Det här är text, inte en bild.".encode())
    data = {
        "title": "Renare hamn",
        "slug": "renare-hamn",
        "summary": "Hur håller vi hamnen ren?",
        "image": upload,
        "image_alt": "En hamn",
        "owner_department": make_department().pk,
        "status": Status.DRAFT,
    }
    response = en_editor.post(reverse("admin:challenges_challenge_add"), data)
    assert response.status_code == 200
    assert "image" in response.context["adminform"].form.errors
    assert not Challenge.objects.exists()

    data["image"] = SimpleUploadedFile("foto.jpg", _image("JPEG"))
    response = en_editor.post(reverse("admin:challenges_challenge_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Challenge.objects.get().image.name.endswith(".jpg")


PDF_FILE = PDF + b"0" * 50


def test_an_attachment_keeps_its_name_in_a_folder_nobody_can_guess(
    editor_client, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("Intervjumall 2026.pdf", PDF_FILE)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:methods_method_add"), _method_with_attachment(upload)
        )
    assert response.status_code == 302
    name = Attachment.objects.get().file.name
    today = timezone.now()
    pattern = rf"attachments/{today:%Y/%m}/[A-Za-z0-9_-]{{16}}/Intervjumall 2026\.pdf"
    assert re.fullmatch(pattern, name), name
    assert default_storage.exists(name)


def test_an_attachment_named_on_a_mac_keeps_its_swedish_letters(
    editor_client, django_capture_on_commit_callbacks
):
    """A Mac hands the browser a file's name with "ö" as "o" and a separate diaeresis (NFD):
    the diaeresis was dropped as not a letter, and residents downloaded "Mall for Angelholm"."""
    name = unicodedata.normalize("NFD", "Mall för Ängelholm.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:methods_method_add"),
            _method_with_attachment(SimpleUploadedFile(name, PDF_FILE)),
        )
    assert response.status_code == 302
    assert Attachment.objects.get().file.name.endswith("/Mall för Ängelholm.pdf")


@pytest.mark.parametrize(
    "name",
    [
        # With the random folder in front, a name longer than some 60 characters did not fit
        # the field's 100: it was cut and given random letters, and residents downloaded
        # "Guide_till_tjänstedesign_i_Helsingborgs_stad_-_vers_7cxGCNj.pdf".
        "Guide till tjänstedesign i Helsingborgs stad - version 2026-03.pdf",
        # Spaces became underscores and "(", ")", "–", "&" and "," were dropped: residents
        # downloaded "Rapport_slutversion__QA_2026.pdf".
        "Rapport (slutversion) – Q&A, 2026.pdf",
    ],
)
def test_an_attachment_keeps_its_name_whole(
    editor_client, django_capture_on_commit_callbacks, name
):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:methods_method_add"),
            _method_with_attachment(SimpleUploadedFile(name, PDF_FILE)),
        )
    assert response.status_code == 302
    stored = Attachment.objects.get().file.name
    assert stored.endswith(f"/{name}")
    assert default_storage.open(stored).read() == PDF_FILE


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("a/b\\c.pdf", "c.pdf"),
        ("Protokoll\x00 maj\x07\n2026.pdf", "Protokoll maj 2026.pdf"),
        # U+202E shows what follows backwards: this one looks like "Fakturaexe.pdf".
        ("Faktura\u202efdp.exe", "Fakturafdp.exe"),
        ("Utkast\u200b.pdf", "Utkast.pdf"),
        ('Q&A: "svar" <utkast>?|*.pdf', "Q&A svar utkast.pdf"),
        ("Rapport\uff0f2026.pdf", "Rapport2026.pdf"),  # a full-width "/", which may become "/"
        ("rapport. . ", "rapport"),  # Windows drops trailing dots and spaces
        ("CON.pdf", "CON_.pdf"),  # Windows keeps CON for a device
        (".....", "file"),
        ("???.pdf", "file.pdf"),
        (".htaccess", "file.htaccess"),
    ],
)
def test_an_unsafe_name_is_made_safe(make_method, name, stored):
    attachment = Attachment(method=make_method(), title="Fil")
    attachment.file.save(name, ContentFile(PDF_FILE))
    folder, _, file_name = attachment.file.name.rpartition("/")
    assert file_name == stored
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[A-Za-z0-9_-]{16}", folder)
    assert default_storage.open(attachment.file.name).read() == PDF_FILE


@pytest.mark.parametrize("letter", ["x", "ö"])
def test_a_name_too_long_is_shortened_and_keeps_its_extension(make_method, letter):
    """Django cut a path longer than the field's 255 characters and added random letters
    ("xxx_7cxGCNj.pdf"); a name of 300 "ö" is 600 bytes, more than a file system holds."""
    attachment = Attachment(method=make_method(), title="Fil")
    attachment.file.save(letter * 300 + ".pdf", ContentFile(PDF_FILE))
    name = attachment.file.name
    file_name = name.rpartition("/")[2]
    assert len(name) <= 255
    assert len(file_name.encode()) <= 230
    assert re.fullmatch(rf"{letter}{{100,}}\.pdf", file_name), file_name
    attachment.refresh_from_db()
    assert attachment.file.name == name
    assert default_storage.open(name).read() == PDF_FILE


def test_the_storage_names_files_by_the_same_rule():
    """The storage made its own name of what upload_to gave it (get_valid_name), and undid
    the name kept there."""
    name = "dokument/Rapport (slutversion) – Q&A, 2026.pdf"
    assert default_storage.generate_filename(name) == name
    assert default_storage.generate_filename("dokument/Faktura\u202efdp.exe") == (
        "dokument/Fakturafdp.exe"
    )


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_name_becomes_one_that_is_safe_to_store_link_and_download(name):
    made = safe_name(name)
    assert made
    assert made == unicodedata.normalize("NFC", made)
    assert not set(made) & set('/\\:*?"<>|')
    assert not any(unicodedata.category(c).startswith("C") for c in made)
    assert made[-1] not in " ." and made[0] not in " ."
    assert len(made.encode()) <= 230
    assert safe_name(made) == made


@pytest.mark.parametrize("how", ["replaced", "removed", "method deleted"])
def test_a_replaced_or_deleted_attachment_leaves_storage(
    editor_client, django_capture_on_commit_callbacks, how
):
    add = reverse("admin:methods_method_add")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(add, _method_with_attachment(SimpleUploadedFile("a.pdf", PDF_FILE)))
    attachment = Attachment.objects.get()
    old = attachment.file.name
    method = attachment.method
    data = {
        **_method_with_attachment(""),
        "attachments-INITIAL_FORMS": "1",
        "attachments-0-id": str(attachment.pk),
        "attachments-0-method": str(method.pk),
    }
    with django_capture_on_commit_callbacks(execute=True):
        if how == "replaced":
            data["attachments-0-file"] = SimpleUploadedFile("b.pdf", PDF_FILE)
            url = reverse("admin:methods_method_change", args=[method.pk])
        elif how == "removed":
            data["attachments-0-DELETE"] = "on"
            url = reverse("admin:methods_method_change", args=[method.pk])
        else:
            data = {"post": "yes"}
            url = reverse("admin:methods_method_delete", args=[method.pk])
        response = editor_client.post(url, data)
    assert response.status_code == 302, response.text[:2000]
    assert not default_storage.exists(old)
    if how == "replaced":
        assert default_storage.exists(Attachment.objects.get().file.name)


def test_an_image_with_too_many_pixels_is_refused_with_the_limit(settings):
    """The message said only "which is too large": the editor had to guess how much smaller
    the image had to be."""
    settings.IMAGE_MAX_PIXELS = 4_000_000
    with pytest.raises(ValidationError) as caught, translation.override("sv"):
        validate_image(SimpleUploadedFile("stor.png", _image("PNG", (3000, 1500))))
    assert caught.value.messages == [
        "Bilden är 3000×1500 pixlar, 4,5 megapixel; den största tillåtna är 4 megapixel. "
        "Gör den mindre och ladda upp den igen."
    ]
    settings.IMAGE_MAX_PIXELS = 1_000
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        validate_image(SimpleUploadedFile("rorlig.gif", _animation("GIF", 3)))
    assert caught.value.messages == [
        "The animation has 3 frames of 20×20 pixels, 0.0012 megapixels together; the largest "
        "allowed is 0.001 megapixels. Make it smaller or shorter and upload it again."
    ]


@pytest.mark.parametrize(
    "content",
    [
        # Excel's "CSV (semicolon separated)" on a Swedish Windows: Windows-1252.
        "Förvaltning;Antal\r\nMiljöförvaltningen;3\r\n".encode("cp1252"),
        # Excel's "Unicode text": UTF-16 with its byte order mark.
        "Förvaltning\tAntal\r\n".encode("utf-16"),
    ],
)
def test_text_not_in_utf8_is_refused_with_how_to_save_it(content):
    """Such a file was refused as "not plain text", which it is: the editor was not told
    that only its encoding was wrong, nor how to save it in the right one."""
    with pytest.raises(ValidationError) as caught, translation.override("sv"):
        validate_attachment(SimpleUploadedFile("antal.csv", content))
    assert caught.value.code == "not_utf8"
    assert caught.value.messages == [
        "Filen heter .csv men är inte sparad som UTF-8. Spara den som UTF-8 (i Excel: "
        "”CSV UTF-8”) och ladda upp den igen."
    ]
    binary = b"MZ\x90\x00\x03\x00\x00\x00"
    assert _code(validate_attachment, "antal.csv", binary) == "disguised"


def test_the_upload_fields_say_what_they_take_before_an_upload_is_refused(editor_client, settings):
    """The image and attachment fields had no help: an editor learnt the types and limits
    only from a refusal, after the upload."""
    settings.IMAGE_MAX_BYTES = 10 * 1024 * 1024
    settings.IMAGE_MAX_PIXELS = 40_000_000
    settings.ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    for kind in ["challenges_challenge", "initiatives_initiative", "methods_method"]:
        page = editor_client.get(reverse(f"admin:{kind}_add")).text
        assert "JPEG, PNG, WebP eller GIF, högst 10,0\xa0MB och 40 megapixel." in page
    page = editor_client.get(reverse("admin:methods_method_add")).text
    assert (
        "Tillåtna typer: csv, docx, jpeg, jpg, md, odp, ods, odt, pdf, png, pptx, txt, xlsx; "
        "högst 20,0\xa0MB."
    ) in page
