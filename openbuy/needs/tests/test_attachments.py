"""Evidence files: recognised by their content, limited in size and number, served safely."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from openbuy.discussion import moderation
from openbuy.needs import services
from openbuy.needs.models import Attachment

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_author_attaches_evidence_and_anyone_downloads_it(raise_need, personas, client):
    need = raise_need()
    attachment = services.attachment_add(
        actor=personas["resident"], need=need, upload=upload("Lift report.pdf", PDF)
    )
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "Lift report.pdf"
    response = client.get(reverse("needs:attachment", args=[need.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    csv = services.attachment_add(
        actor=personas["resident"], need=need, upload=upload("counts.csv", b"day,people\nmon,40\n")
    )
    response = client.get(reverse("needs:attachment", args=[need.pk, csv.pk]))
    assert "attachment" in response["Content-Disposition"]


def test_a_text_file_holding_html_is_sent_as_inert_text(raise_need, personas, client):
    """A .txt is taken when it is UTF-8 text, whatever it says: it must reach a browser as a
    download of plain text, in a sandbox with nothing allowed, never as a page."""
    need = raise_need()
    html = b"<html><script>alert(document.cookie)</script></html>"
    text = services.attachment_add(
        actor=personas["resident"], need=need, upload=upload("notes.txt", html, "text/html")
    )
    assert text.content_type.startswith("text/plain")
    response = client.get(reverse("needs:attachment", args=[need.pk, text.pk]))
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.pdf", b"<html><script>alert(1)</script>", "must be a PDF"),
        ("photo.png", b"GIF89a" + b"\x00" * 10, "must be a PDF"),
        ("run.exe", b"MZ\x90\x00", "must be a PDF"),
        ("empty.txt", b"", "empty"),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "smaller than 10 MB"),
    ],
)
def test_bad_files_are_refused_with_a_reason(raise_need, personas, name, content, message):
    need = raise_need()
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(actor=personas["resident"], need=need, upload=upload(name, content))
    assert not Attachment.objects.exists()


def test_only_the_author_attaches_and_at_most_five(raise_need, personas):
    need = raise_need()
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=personas["supplier"], need=need, upload=upload("a.png", PNG))
    for i in range(5):
        services.attachment_add(
            actor=personas["resident"], need=need, upload=upload(f"{i}.png", PNG)
        )
    with pytest.raises(ValidationError, match="at most 5"):
        services.attachment_add(actor=personas["resident"], need=need, upload=upload("6.png", PNG))


def test_upload_page_and_hidden_needs(client, raise_need, personas):
    need = raise_need()
    client.force_login(personas["resident"])
    url = reverse("needs:attachment-upload", args=[need.pk])
    response = client.post(url, {"file": upload("report.pdf", PDF)}, follow=True)
    assert "The file has been added." in response.content.decode()
    assert "report.pdf" in response.content.decode()
    response = client.post(url, {"file": upload("x.exe", b"MZ")}, follow=True)
    assert "must be a PDF" in response.content.decode()
    attachment = Attachment.objects.get()
    moderation.decide(actor=personas["moderator"], target=need, decision="hide", reason="x")
    client.logout()
    assert client.get(reverse("needs:attachment", args=[need.pk, attachment.pk])).status_code == 404
