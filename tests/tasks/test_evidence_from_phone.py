"""Evidence from a phone: the camera straight away or the usual chooser (photo library
and files), several files at once; each kept or refused on its own."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tasks.models import Evidence, ProgressReport

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def photo(name="IMG_20260402_101500.jpg", size=(64, 48)):
    """A real JPEG, as a phone's camera hands it over."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 120, 80)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def form_url(world):
    return reverse("tasks:report_form", args=[world.task_a1.pk, world.period_a.pk])


def upload_url(world):
    return reverse("tasks:evidence_upload", args=[world.task_a1.pk, world.period_a.pk])


def test_the_form_offers_the_camera_and_keeps_the_file_chooser(login, world):
    body = login(world.users.owner).get(form_url(world)).content.decode()
    camera = re.search(r"<input[^>]*id=\"evidence-photo\"[^>]*>", body).group(0)
    chooser = re.search(r"<input[^>]*id=\"evidence-file\"[^>]*>", body).group(0)
    # The camera: images only, straight to the back camera.
    assert 'accept="image/*"' in camera and 'capture="environment"' in camera
    # The chooser: no capture (a phone then offers camera, photo library and files),
    # images and the document types, several at once.
    assert "capture" not in chooser and "multiple" in chooser
    assert 'accept="image/*,.pdf,.jpg,.jpeg,.png,.docx,.xlsx"' in chooser
    # Both are labelled buttons a finger can hit, and both send the same field.
    assert 'name="file"' in camera and 'name="file"' in chooser
    assert "拍照" in body and "选择照片或文件" in body


def test_a_photo_and_a_document_picked_together_are_both_kept(login, world):
    client = login(world.users.owner)
    response = client.post(
        upload_url(world),
        {"file": [photo(), SimpleUploadedFile("验收单.pdf", PDF, content_type="application/pdf")]},
        follow=True,
    )
    body = response.content.decode()
    assert "已上传佐证材料“IMG_20260402_101500.jpg”" in body and "已上传佐证材料“验收单.pdf”" in body
    stored = dict(Evidence.objects.values_list("original_name", "content_type"))
    assert stored == {"IMG_20260402_101500.jpg": "image/jpeg", "验收单.pdf": "application/pdf"}


def test_a_refused_file_among_several_is_named_and_the_others_are_kept(login, world):
    client = login(world.users.owner)
    response = client.post(
        upload_url(world),
        {
            "file": [
                photo(),
                SimpleUploadedFile("live-photo.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64),
            ]
        },
        follow=True,
    )
    body = response.content.decode()
    assert "“live-photo.heic”的类型不允许" in body
    assert "已上传佐证材料“IMG_20260402_101500.jpg”" in body
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["IMG_20260402_101500.jpg"]


def test_an_upload_without_a_file_says_so(login, world):
    response = login(world.users.owner).post(upload_url(world), {}, follow=True)
    assert "请选择要上传的文件。" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_empty_file_among_several_is_named_and_alone_is_no_file(login, world):
    client = login(world.users.owner)
    body = client.post(
        upload_url(world), {"file": [photo(), SimpleUploadedFile("空.pdf", b"")]}, follow=True
    ).content.decode()
    assert "“空.pdf”是空文件，未上传。" in body
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["IMG_20260402_101500.jpg"]
    body = client.post(upload_url(world), {"file": [SimpleUploadedFile("空.pdf", b"")]}, follow=True)
    assert "请选择要上传的文件。" in body.content.decode()
    assert Evidence.objects.count() == 1


def test_photos_chosen_but_not_uploaded_travel_with_the_submission(login, world):
    """The camera's photo and the chooser's files are moved into the report form when the
    clerk presses 提交审核 without 上传: all are stored before the report is submitted."""
    client = login(world.users.owner)
    response = client.post(
        form_url(world),
        {
            "version": "0",
            "status": "in_progress",
            "percent": "40",
            "progress_text": "现场核查3个光伏项目。",
            f"ind_{world.indicator_a.pk}": "8",
            "action": "submit",
            "file": [photo("现场.jpg"), photo("铭牌.jpg", (32, 32))],
        },
        follow=True,
    )
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)
    assert report.state == "submitted"
    assert sorted(Evidence.objects.filter(report=report).values_list("original_name", flat=True)) == [
        "现场.jpg",
        "铭牌.jpg",
    ]
    assert "已提交" in response.content.decode()
