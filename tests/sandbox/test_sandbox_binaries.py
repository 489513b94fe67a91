"""The sandbox serves the binaries its rows link to: pictures, thumbnails, logos, attachments,
behind the API's token and rate limit, with ETag/Last-Modified and 304, counted per page."""

from __future__ import annotations

import io
from typing import Any

import requests
from PIL import Image

from exact_sandbox.binaries import LOGO_SIZE, PICTURE_SIZE, THUMBNAIL_SIZE, pdf, png


def _rows(sb: Any, path: str, select: str) -> list[dict[str, Any]]:
    s = sb.session()
    r = s.get(sb.api_url(path), params={"$select": select}, timeout=60)
    r.raise_for_status()
    return list(r.json()["d"]["results"])


def test_rows_link_to_images_on_the_sandbox_host(sandbox: Any) -> None:
    items = _rows(sandbox, "{division}/sync/Logistics/Items", "ID,PictureUrl,PictureThumbnailUrl")
    pictured = [r for r in items if r["PictureUrl"]]
    assert 0 < len(pictured) < len(items)
    assert any(r["PictureThumbnailUrl"] for r in pictured)
    assert any(not r["PictureThumbnailUrl"] for r in pictured)  # the tap makes those
    d = sandbox.divisions_list[0]
    first = pictured[0]
    assert first["PictureUrl"] == (
        f"{sandbox.base_url}/docs/SysImage.aspx?Table=Items&ID={first['ID']}&_Division_={d}"
    )
    accounts = _rows(sandbox, "{division}/sync/CRM/Accounts", "ID,LogoUrl")
    assert any(r["LogoUrl"] for r in accounts) and any(not r["LogoUrl"] for r in accounts)
    attachments = _rows(sandbox, "{division}/sync/Documents/DocumentAttachments", "ID,Url")
    assert attachments and all("/docs/SysAttachment.aspx?ID=" in r["Url"] for r in attachments)


def test_images_need_the_token_and_answer_png_with_etag_and_304(sandbox: Any) -> None:
    items = _rows(sandbox, "{division}/sync/Logistics/Items", "ID,PictureUrl,PictureThumbnailUrl")
    row = next(r for r in items if r["PictureUrl"] and r["PictureThumbnailUrl"])
    assert requests.get(row["PictureUrl"], timeout=30).status_code == 401

    s = sandbox.session()
    sandbox.reset_calls()
    answer = s.get(row["PictureUrl"], timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.content == png(row["ID"], PICTURE_SIZE)
    assert answer.headers["ETag"] and answer.headers["Last-Modified"]
    assert "X-RateLimit-Minutely-Remaining" in answer.headers
    with Image.open(io.BytesIO(answer.content)) as image:
        assert image.size == PICTURE_SIZE

    again = s.get(row["PictureUrl"], headers={"If-None-Match": answer.headers["ETag"]}, timeout=30)
    assert again.status_code == 304 and again.content == b""

    thumb = s.get(row["PictureThumbnailUrl"], timeout=30)
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.size == THUMBNAIL_SIZE

    calls = sandbox.calls()
    assert calls["by_path"]["GET /docs/SysImage.aspx"] == 3
    assert calls["by_division"][str(sandbox.divisions_list[0])] == 3
    assert calls["downloads"] == {"sysimage.aspx": 2}  # the 304 sent no file


def test_logo_attachment_and_missing_files(sandbox: Any) -> None:
    s = sandbox.session()
    accounts = _rows(sandbox, "{division}/sync/CRM/Accounts", "ID,LogoUrl")
    logo = next(r for r in accounts if r["LogoUrl"])
    with Image.open(io.BytesIO(s.get(logo["LogoUrl"], timeout=30).content)) as image:
        assert image.size == LOGO_SIZE

    path = "{division}/sync/Documents/DocumentAttachments"
    attachment = _rows(sandbox, path, "ID,Url,FileName")[0]
    viewer = s.get(attachment["Url"], timeout=30)  # Exact's viewer page, not the file
    assert viewer.status_code == 200 and viewer.headers["Content-Type"].startswith("text/html")
    file = s.get(attachment["Url"] + "&Download=1", timeout=30)
    assert file.headers["Content-Type"] == "application/pdf"
    assert file.content == pdf(attachment["ID"], attachment["FileName"])
    assert file.content.startswith(b"%PDF-") and file.content.rstrip().endswith(b"%%EOF")
    assert attachment["FileName"] in file.headers["Content-Disposition"]

    no_logo = next(r for r in accounts if not r["LogoUrl"])
    gone = logo["LogoUrl"].replace(logo["ID"], no_logo["ID"])
    assert s.get(gone, timeout=30).status_code == 404


def test_badimage_fault_cuts_one_picture(fresh_sandbox: Any) -> None:
    sb = fresh_sandbox(no_rate_limits=True, faults="badimage:path=/docs/SysImage,times=1")
    items = _rows(sb, "{division}/sync/Logistics/Items", "ID,PictureUrl")
    url = next(r["PictureUrl"] for r in items if r["PictureUrl"])
    s = sb.session()
    broken, whole = s.get(url, timeout=30), s.get(url, timeout=30)
    assert broken.headers["Content-Type"] == whole.headers["Content-Type"] == "image/png"
    assert len(broken.content) == len(whole.content) // 2
