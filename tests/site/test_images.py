"""Uploaded images: stored upright without metadata, shown through renditions, never a 500."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, ImageCms, ImageSequence, PngImagePlugin

from challenges.models import Challenge
from helsingborg_innovation.images import image_store, rendition_name
from helsingborg_innovation.publishing import Status

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="56,2.77N"/></rdf:RDF></x:xmpmeta>'
)
RED, BLUE = (220, 20, 20), (20, 20, 220)


def _exif_with_location(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Telefonfabriken"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (56.0, 2.0, 46.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (12.0, 41.0, 38.0)
    return exif


def _photo(size=(2000, 1000), orientation: int = 1) -> bytes:
    """A phone photo as stored by the camera: red left half, blue right half, with its
    orientation, the place it was taken (EXIF GPS and XMP) and a comment."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(
        buffer,
        format="JPEG",
        exif=_exif_with_location(orientation),
        xmp=XMP,
        comment=b"Tagen vid Stortorget",
    )
    data = buffer.getvalue()
    # What the tests below expect to be removed is really there to begin with.
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"xmp", "comment"} <= check.info.keys()
    return data


def _png(size=(1200, 800), alpha: int = 128) -> bytes:
    image = Image.new("RGBA", size, (20, 120, 60, alpha))
    text = PngImagePlugin.PngInfo()
    text.add_text("Location", "Stortorget, Helsingborg")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=text, exif=_exif_with_location())
    return buffer.getvalue()


def _stored(make_challenge, content: bytes, name: str = "foto.jpg", **overrides) -> Challenge:
    """A challenge whose image went through image_store, as the admin does it."""
    challenge = make_challenge(image_alt="Stortorget i morgonljus", **overrides)
    challenge.image = SimpleUploadedFile(name, content)
    image_store(image=challenge.image)
    challenge.save()
    return challenge


def _open(name: str) -> Image.Image:
    with default_storage.open(name) as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
        return image


def _raw(name: str) -> bytes:
    with default_storage.open(name) as file:
        return file.read()


def _assert_no_metadata(name: str) -> None:
    data = _raw(name)
    for trace in (b"GPS", b"Exif", b"xmpmeta", b"Stortorget", b"Telefonfabriken"):
        assert trace not in data, (name, trace)
    image = _open(name)
    assert not image.getexif()
    assert not {"exif", "xmp", "comment"} & image.info.keys()


class _Tags(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def first(self, tag: str) -> dict | None:
        return next((attrs for name, attrs in self.tags if name == tag), None)


def _picture(html: str) -> tuple[dict | None, dict | None]:
    """The <source> and the <img> of the page's image."""
    tags = _Tags(html)
    images = [a for name, a in tags.tags if name == "img" and "detail__image" in a.get("class")]
    return tags.first("source"), images[0] if images else None


# -- the stored original ----------------------------------------------------------------------


def test_an_upload_through_the_admin_loses_its_location_and_stands_upright(
    editor_client, make_department
):
    data = {
        "title": "Renare hamn",
        "slug": "renare-hamn",
        "summary": "Hur håller vi hamnen ren?",
        "image": SimpleUploadedFile("hamnen.jpg", _photo(orientation=6)),
        "image_alt": "Hamnen i kvällsljus",
        "owner_department": make_department().pk,
        "status": Status.DRAFT,
    }
    response = editor_client.post(reverse("admin:challenges_challenge_add"), data)
    assert response.status_code == 302

    challenge = Challenge.objects.get()
    _assert_no_metadata(challenge.image.name)
    # Orientation 6 means "turn a quarter clockwise": the left (red) half ends up on top.
    stored = _open(challenge.image.name)
    assert stored.size == (1000, 2000)
    assert (challenge.image_width, challenge.image_height) == (1000, 2000)
    top, bottom = stored.getpixel((500, 200)), stored.getpixel((500, 1800))
    assert top[0] > 180 > top[2]  # red
    assert bottom[2] > 180 > bottom[0]  # blue
    assert challenge.image_renditions == {"widths": [480, 960, 1000], "fallback": "jpg"}


def test_a_png_loses_its_text_chunks_and_exif_and_keeps_its_transparency(make_challenge):
    challenge = _stored(make_challenge, _png(), name="karta.png")
    _assert_no_metadata(challenge.image.name)
    stored = _open(challenge.image.name)
    assert stored.format == "PNG"
    assert stored.mode == "RGBA"
    assert stored.getpixel((10, 10)) == (20, 120, 60, 128)


def test_the_stored_name_says_what_the_image_is(make_challenge):
    challenge = _stored(make_challenge, _png(), name="karta.jpg")
    assert challenge.image.name.startswith("images/")
    assert challenge.image.name.endswith("/karta.png")


def test_the_colour_profile_stays_with_the_original_only(make_challenge):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), RED).save(
        buffer, format="JPEG", icc_profile=profile, exif=_exif_with_location()
    )
    challenge = _stored(make_challenge, buffer.getvalue())
    assert _open(challenge.image.name).info.get("icc_profile") == profile
    for extension in ("webp", "jpg"):
        rendition = _open(rendition_name(challenge.image.name, 480, extension))
        assert "icc_profile" not in rendition.info


def test_an_animated_gif_keeps_its_frames_and_is_shown_as_uploaded(client, make_challenge):
    frames = [Image.new("RGB", (600, 300), colour) for colour in (RED, BLUE, "white")]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment=b"Stortorget",
    )
    challenge = _stored(make_challenge, buffer.getvalue(), name="rorlig.gif")

    stored = _open(challenge.image.name)
    assert [frame.info["duration"] for frame in ImageSequence.Iterator(stored)] == [100, 200, 300]
    assert b"Stortorget" not in _raw(challenge.image.name)
    assert challenge.image_renditions == {"widths": [], "fallback": ""}

    source, img = _picture(client.get(challenge.get_absolute_url()).text)
    assert source is None
    assert img["src"] == challenge.image.url
    assert "srcset" not in img
    assert (img["width"], img["height"]) == ("600", "300")


# -- renditions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "widths"),
    [
        ((2400, 1200), [480, 960, 1600]),
        ((1000, 500), [480, 960, 1000]),
        ((960, 480), [480, 960]),
        ((300, 200), [300]),
    ],
)
def test_renditions_in_both_formats_are_made_at_the_set_widths_and_never_upscaled(
    make_challenge, size, widths
):
    challenge = _stored(make_challenge, _photo(size=size))
    name = challenge.image.name
    assert challenge.image_renditions["widths"] == widths
    for width in widths:
        for extension, image_format in (("webp", "WEBP"), ("jpg", "JPEG")):
            rendition = _open(rendition_name(name, width, extension))
            assert rendition.format == image_format
            assert rendition.width == width
            assert rendition.height == round(size[1] * width / size[0])
            _assert_no_metadata(rendition_name(name, width, extension))
    made = default_storage.listdir(f"{name}.renditions")[1]
    assert sorted(made) == sorted(f"{w}w.{e}" for w in widths for e in ("webp", "jpg"))


def test_transparency_gets_a_png_fallback_and_an_opaque_png_a_jpeg(make_challenge):
    transparent = _stored(make_challenge, _png(alpha=128), name="karta.png")
    assert transparent.image_renditions["fallback"] == "png"
    rendition = _open(rendition_name(transparent.image.name, 480, "png"))
    assert rendition.mode == "RGBA"
    assert rendition.getpixel((5, 5))[3] == 128
    assert _open(rendition_name(transparent.image.name, 480, "webp")).mode == "RGBA"

    opaque = _stored(make_challenge, _png(alpha=255), name="skarmbild.png")
    assert opaque.image_renditions["fallback"] == "jpg"
    assert _open(rendition_name(opaque.image.name, 480, "jpg")).format == "JPEG"


# -- the page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["challenge", "initiative", "method"])
def test_detail_pages_show_a_picture_with_srcset_sizes_and_dimensions(
    client, make_challenge, make_initiative, make_method, kind
):
    make = {"challenge": make_challenge, "initiative": make_initiative, "method": make_method}
    item = make[kind](image_alt="Stortorget i morgonljus")
    item.image = SimpleUploadedFile("foto.jpg", _photo(size=(2400, 1200)))
    image_store(image=item.image)
    item.save()

    source, img = _picture(client.get(item.get_absolute_url()).text)

    base = default_storage.url(f"{item.image.name}.renditions/")
    assert source["type"] == "image/webp"
    assert source["srcset"] == f"{base}480w.webp 480w, {base}960w.webp 960w, {base}1600w.webp 1600w"
    assert img["srcset"] == f"{base}480w.jpg 480w, {base}960w.jpg 960w, {base}1600w.jpg 1600w"
    assert img["src"] == f"{base}1600w.jpg"
    # The detail column is 1120px wide, and the image at most 512px tall: 1024px of 2400x1200.
    assert source["sizes"] == img["sizes"] == "(min-width: 1024px) 1024px, 100vw"
    assert (img["width"], img["height"]) == ("2400", "1200")
    assert img["alt"] == "Stortorget i morgonljus"
    assert img["loading"] == "eager"
    assert img["fetchpriority"] == "high"
    assert img["decoding"] == "async"


def test_an_image_named_with_commas_and_spaces_has_a_srcset_a_browser_can_read(
    client, make_challenge
):
    """A name keeps its spaces and commas (storage.safe_name), which also separate the
    candidates of a srcset: its addresses hold them percent-encoded."""
    item = make_challenge(image_alt="Stortorget i morgonljus")
    item.image = SimpleUploadedFile("Stortorget, vy (norr).jpg", _photo(size=(2400, 1200)))
    image_store(image=item.image)
    item.save()

    source, img = _picture(client.get(item.get_absolute_url()).text)

    assert item.image.name.endswith("/Stortorget, vy (norr).jpg")
    for srcset in (source["srcset"], img["srcset"]):
        candidates = [candidate.split(" ") for candidate in srcset.split(", ")]
        assert [descriptor for _, descriptor in candidates] == ["480w", "960w", "1600w"]
        assert all("/Stortorget%2C%20vy%20(norr).jpg.renditions/" in url for url, _ in candidates)


def test_a_small_image_is_not_stretched_beyond_its_own_width(client, make_challenge):
    challenge = _stored(make_challenge, _photo(size=(300, 100)))
    source, img = _picture(client.get(challenge.get_absolute_url()).text)
    assert source["sizes"] == img["sizes"] == "(min-width: 300px) 300px, 100vw"


def test_below_the_fold_the_image_loads_lazily(make_challenge):
    challenge = _stored(make_challenge, _photo(size=(1200, 800)))
    html = Template(
        '{% include "includes/image.html" with object=item loading="lazy" '
        'image_class="card__image" max_width=288 %}'
    ).render(Context({"item": challenge}))
    img = _Tags(html).first("img")
    assert img["loading"] == "lazy"
    assert "fetchpriority" not in img
    assert img["class"] == "card__image"
    assert img["sizes"] == "(min-width: 288px) 288px, 100vw"


def test_without_an_image_there_is_no_picture(client, make_challenge):
    challenge = make_challenge()
    tags = _Tags(client.get(challenge.get_absolute_url()).text)
    assert tags.first("picture") is None
    assert tags.first("source") is None


def test_an_image_costs_the_page_no_query(client, make_challenge):
    plain = make_challenge()
    pictured = _stored(make_challenge, _photo())
    counts = []
    for challenge in (plain, pictured):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(challenge.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# -- files missing from storage ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["challenge", "initiative", "method"])
def test_a_file_missing_from_storage_never_breaks_the_page(
    client, make_challenge, make_initiative, make_method, kind
):
    make = {"challenge": make_challenge, "initiative": make_initiative, "method": make_method}
    # Stored before renditions existed: no size on the row, and the file has gone since.
    item = make[kind](image="images/2024/05/borta.jpg", image_alt="Ett försvunnet foto")
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    source, img = _picture(response.text)
    assert source is None
    assert img["src"] == default_storage.url("images/2024/05/borta.jpg")
    assert "width" not in img
    assert img["alt"] == "Ett försvunnet foto"


def test_missing_renditions_never_break_the_page(client, make_challenge):
    challenge = _stored(make_challenge, _photo())
    default_storage.delete(challenge.image.name)
    for width in challenge.image_renditions["widths"]:
        default_storage.delete(rendition_name(challenge.image.name, width, "webp"))
    response = client.get(challenge.get_absolute_url())
    assert response.status_code == 200
    source, img = _picture(response.text)
    assert "480w.webp 480w" in source["srcset"]
    assert img["width"] == "2000"


def test_the_admin_edits_an_item_whose_image_has_gone_missing(editor_client, make_challenge):
    challenge = make_challenge(image="images/2024/05/borta.jpg", image_alt="Borta")
    url = reverse("admin:challenges_challenge_change", args=[challenge.pk])
    assert editor_client.get(url).status_code == 200
    data = {
        "title": "Ny rubrik",
        "slug": challenge.slug,
        "summary": challenge.summary,
        "image_alt": "Borta",
        "owner_department": challenge.owner_department_id,
        "status": Status.PUBLISHED,
        "publish_at_0": "2025-01-01",
        "publish_at_1": "09:00:00",
    }
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    challenge.refresh_from_db()
    assert challenge.title == "Ny rubrik"
    assert challenge.image.name == "images/2024/05/borta.jpg"


# -- replacing, clearing and refusing ---------------------------------------------------------


def _change_data(challenge, **fields) -> dict:
    data = {
        "title": challenge.title,
        "slug": challenge.slug,
        "summary": challenge.summary,
        "image_alt": challenge.image_alt,
        "owner_department": challenge.owner_department_id,
        "status": Status.DRAFT,
    }
    data.update(fields)
    return data


def test_replacing_the_image_in_the_admin_makes_new_renditions(editor_client, make_challenge):
    challenge = _stored(make_challenge, _photo(size=(2400, 1200)))
    old_name = challenge.image.name
    url = reverse("admin:challenges_challenge_change", args=[challenge.pk])
    upload = SimpleUploadedFile("ny.jpg", _photo(size=(700, 700)))
    response = editor_client.post(url, _change_data(challenge, image=upload))
    assert response.status_code == 302

    challenge.refresh_from_db()
    assert challenge.image.name != old_name
    assert (challenge.image_width, challenge.image_height) == (700, 700)
    assert challenge.image_renditions == {"widths": [480, 700], "fallback": "jpg"}
    assert default_storage.exists(rendition_name(challenge.image.name, 700, "webp"))


def test_clearing_the_image_in_the_admin_forgets_its_size_and_renditions(
    editor_client, make_challenge
):
    challenge = _stored(make_challenge, _photo())
    url = reverse("admin:challenges_challenge_change", args=[challenge.pk])
    response = editor_client.post(url, _change_data(challenge, **{"image-clear": "on"}))
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert not challenge.image
    assert (challenge.image_width, challenge.image_height) == (None, None)
    assert challenge.image_renditions == {}


def _new_initiative_data(department, **fields) -> dict:
    data = {
        "title": "Renare hamn",
        "slug": "renare-hamn",
        "summary": "Hur håller vi hamnen ren?",
        "phase": "pilot",
        "owner_department": department.pk,
        "status": Status.DRAFT,
    }
    for prefix in ("impact_goals", "timeline"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(fields)
    return data


@pytest.mark.parametrize(
    "mistake",
    [
        {"image_alt": ""},
        # The form itself is valid; an impact goal without its goal is not.
        {
            "image_alt": "Hamnen",
            "impact_goals-TOTAL_FORMS": "1",
            "impact_goals-0-description": "",
            "impact_goals-0-target": "Hälften så mycket skräp",
            "impact_goals-0-order": "0",
        },
    ],
    ids=["no-text-alternative", "inline-error"],
)
def test_a_form_sent_back_with_errors_asks_for_the_chosen_image_again(
    editor_client, make_department, mistake
):
    """A browser never fills in a file field: the editor who corrected the mistake and saved
    again lost the image, with nothing on the page saying so."""
    upload = SimpleUploadedFile("hamnen.jpg", _photo(size=(700, 700)))
    data = _new_initiative_data(make_department(), image=upload, **mistake)
    response = editor_client.post(reverse("admin:initiatives_initiative_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["image"] == [
        "Bilden du valde sparades inte eftersom formuläret har fel. Välj den igen innan du sparar."
    ]
    assert 'id="id_image_error"' in response.text


def test_a_form_without_a_new_image_is_sent_back_without_a_word_of_it(
    editor_client, make_department
):
    data = _new_initiative_data(make_department(), summary="")
    response = editor_client.post(reverse("admin:initiatives_initiative_add"), data)
    assert response.status_code == 200
    assert "image" not in response.context["adminform"].form.errors


def _truncated_jpeg() -> bytes:
    data = _photo(size=(800, 600))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("name", "content", "limit"),
    [
        ("stor.jpg", _photo(), 1000),
        ("foto.jpg", "Det här är text, inte en bild.".encode(), None),
        ("foto.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        ("avbruten.jpg", _truncated_jpeg(), None),
    ],
    ids=["oversized", "text", "svg", "truncated"],
)
def test_an_oversized_or_disguised_upload_is_refused_and_nothing_is_stored(
    editor_client, make_department, settings, name, content, limit
):
    if limit:
        settings.IMAGE_MAX_BYTES = limit
    data = {
        "title": "Renare hamn",
        "slug": "renare-hamn",
        "summary": "Hur håller vi hamnen ren?",
        "image": SimpleUploadedFile(name, content),
        "image_alt": "Hamnen",
        "owner_department": make_department().pk,
        "status": Status.DRAFT,
    }
    response = editor_client.post(reverse("admin:challenges_challenge_add"), data)
    assert response.status_code == 200
    assert "image" in response.context["adminform"].form.errors
    assert not Challenge.objects.exists()
    assert not (settings.MEDIA_ROOT / "images").exists()


# -- the management command -------------------------------------------------------------------


def test_the_command_cleans_images_stored_before_and_makes_their_renditions(make_challenge):
    old_name = default_storage.save("images/2024/05/gammal.jpg", io.BytesIO(_photo(orientation=6)))
    legacy = make_challenge(image=old_name, image_alt="Ett gammalt foto")
    missing = make_challenge(image="images/2024/05/borta.jpg", image_alt="Borta")
    updated_at = legacy.updated_at
    out, err = io.StringIO(), io.StringIO()

    call_command("build_renditions", stdout=out, stderr=err)

    legacy.refresh_from_db()
    assert legacy.image.name != old_name
    assert not default_storage.exists(old_name)
    _assert_no_metadata(legacy.image.name)
    assert (legacy.image_width, legacy.image_height) == (1000, 2000)
    assert legacy.image_renditions == {"widths": [480, 960, 1000], "fallback": "jpg"}
    for width in (480, 960, 1000):
        assert _open(rendition_name(legacy.image.name, width, "webp")).width == width
    assert legacy.updated_at == updated_at
    assert "1 images processed, 1 left as they were." in out.getvalue()
    assert f"{missing.pk} (images/2024/05/borta.jpg)" in err.getvalue()
    missing.refresh_from_db()
    assert missing.image.name == "images/2024/05/borta.jpg"


def test_the_command_rebuilds_renditions_only_when_asked(make_challenge):
    challenge = _stored(make_challenge, _photo())
    original = _raw(challenge.image.name)
    webp = rendition_name(challenge.image.name, 960, "webp")
    default_storage.delete(webp)

    call_command("build_renditions", stdout=io.StringIO())
    assert not default_storage.exists(webp)

    call_command("build_renditions", "--rebuild", stdout=io.StringIO())
    assert _open(webp).width == 960
    challenge.refresh_from_db()
    assert _raw(challenge.image.name) == original  # a processed original is not encoded again


def _files_of(name: str) -> list[str]:
    """The image and its renditions that are still in storage."""
    folder = f"{name}.renditions"
    try:
        renditions = [f"{folder}/{n}" for n in default_storage.listdir(folder)[1]]
    except FileNotFoundError:
        renditions = []
    return [n for n in [name, *renditions] if default_storage.exists(n)]


def test_an_image_is_stored_where_nobody_can_guess_it(make_challenge):
    """Media are public to whoever has the address: a draft's image under the name it was
    uploaded with could be found by guessing."""
    first = _stored(make_challenge, _photo(size=(600, 400)), name="Skiss av torget.jpg")
    second = _stored(make_challenge, _photo(size=(600, 400)), name="Skiss av torget.jpg")
    today = timezone.now()
    pattern = rf"images/{today:%Y/%m}/[A-Za-z0-9_-]{{16}}/Skiss av torget\.jpg"
    assert re.fullmatch(pattern, first.image.name), first.image.name
    assert re.fullmatch(pattern, second.image.name), second.image.name
    assert first.image.name.split("/")[3] != second.image.name.split("/")[3]


def test_a_replaced_image_and_its_renditions_leave_storage(
    editor_client, make_challenge, django_capture_on_commit_callbacks
):
    challenge = _stored(make_challenge, _photo(size=(2400, 1200)))
    old = _files_of(challenge.image.name)
    assert len(old) == 7  # the original, and three widths in WebP and JPEG
    url = reverse("admin:challenges_challenge_change", args=[challenge.pk])
    upload = SimpleUploadedFile("ny.jpg", _photo(size=(700, 700)))
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, _change_data(challenge, image=upload))
    assert response.status_code == 302

    challenge.refresh_from_db()
    assert not any(default_storage.exists(name) for name in old)
    assert len(_files_of(challenge.image.name)) == 5  # 480 and 700 wide


@pytest.mark.parametrize("how", ["cleared", "deleted"])
def test_a_cleared_or_deleted_image_leaves_storage(
    editor_client, make_challenge, django_capture_on_commit_callbacks, how
):
    challenge = _stored(make_challenge, _photo(size=(1000, 500)))
    old = _files_of(challenge.image.name)
    assert old
    with django_capture_on_commit_callbacks(execute=True):
        if how == "cleared":
            url = reverse("admin:challenges_challenge_change", args=[challenge.pk])
            response = editor_client.post(url, _change_data(challenge, **{"image-clear": "on"}))
        else:
            url = reverse("admin:challenges_challenge_delete", args=[challenge.pk])
            response = editor_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not any(default_storage.exists(name) for name in old)


def test_an_image_stays_when_the_change_is_not_committed(
    make_challenge, django_capture_on_commit_callbacks
):
    """Files go only once the change is committed: a rolled back change loses nothing."""
    challenge = _stored(make_challenge, _photo(size=(600, 400)))
    name = challenge.image.name
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                Challenge.objects.get(pk=challenge.pk).delete()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert default_storage.exists(name)
