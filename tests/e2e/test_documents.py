"""Documents in the browser: two files dropped on the drop zone with a progress bar each, a new
version, a download, delete and restore."""

import re
from pathlib import Path

from playwright.sync_api import expect

from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces.service import create_organisation_space
from tests.e2e.conftest import sign_in

#: Records, across the navigation that follows the uploads, how far each progress bar got and
#: whether its file was accepted: the page leaves for the list as soon as both are done.
RECORD_PROGRESS = """
(() => {
  const save = () => {
    const bars = {};
    document.querySelectorAll(".upload-progress li").forEach((item) => {
      const bar = item.querySelector("progress");
      bars[bar.getAttribute("aria-label")] = {
        value: bar.value, max: bar.max, ok: !!item.querySelector(".upload-ok"),
      };
    });
    if (Object.keys(bars).length) sessionStorage.setItem("progress", JSON.stringify(bars));
  };
  document.addEventListener("DOMContentLoaded", () => {
    new MutationObserver(save).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ["value"],
    });
  });
})();
"""

#: Two PDFs of 1.5 MB, made in the page, dropped on the drop zone.
DROP_TWO_FILES = """
() => {
  const pdf = (marker) => new File(
    ["%PDF-1.7\\n% " + marker + "\\n", new Uint8Array(1536 * 1024).fill(37)],
    marker + ".pdf", { type: "application/pdf" });
  const transfer = new DataTransfer();
  transfer.items.add(pdf("jaarverslag"));
  transfer.items.add(pdf("begroting"));
  return transfer;
}
"""


def _space(app, personas) -> int:
    with app.app_context():
        org = db.session.get(Organisation, personas.orgs["gemeente_a"])
        space = create_organisation_space(org, actor=None)
        db.session.commit()
        return space.id


def test_drop_two_files_add_a_version_download_delete_and_restore(
    app, page, live_server, personas, tmp_path
):
    space_id = _space(app, personas)
    sign_in(app, page.context, live_server.url, personas.org_admin_a)
    page.add_init_script(RECORD_PROGRESS)

    page.goto(f"/werkruimtes/{space_id}/documenten/uploaden")
    zone = page.locator(".drop-zone")
    expect(zone).to_be_visible()
    transfer = page.evaluate_handle(DROP_TWO_FILES)
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("drop", {"dataTransfer": transfer})

    # Both uploads done, the page goes on to the list with both documents.
    expect(page).to_have_url(re.compile(rf"/werkruimtes/{space_id}/documenten$"))
    table = page.locator("table.utrecht-table")
    expect(table.get_by_role("link", name="jaarverslag.pdf")).to_be_visible()
    expect(table.get_by_role("link", name="begroting.pdf")).to_be_visible()
    progress = page.evaluate("JSON.parse(sessionStorage.getItem('progress'))")
    assert progress == {
        "jaarverslag.pdf": {"value": 100, "max": 100, "ok": True},
        "begroting.pdf": {"value": 100, "max": 100, "ok": True},
    }

    # A new version through the version form.
    table.get_by_role("link", name="jaarverslag.pdf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("jaarverslag.pdf")
    new_version = b"%PDF-1.7\n% tweede versie\n" + bytes(range(256)) * 64
    page.set_input_files(
        "#version-file",
        files=[
            {"name": "jaarverslag-v2.pdf", "mimeType": "application/pdf", "buffer": new_version}
        ],
    )
    page.get_by_role("button", name="Versie toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("Versie 2 is toegevoegd.")
    rows = page.locator("table.utrecht-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("jaarverslag-v2.pdf")

    # Download the newest version: the same bytes come back.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download nieuwste versie").click()
    download = download_info.value
    assert download.suggested_filename == "jaarverslag-v2.pdf"
    assert Path(download.path()).read_bytes() == new_version

    # Delete it, and restore it from the trash.
    page.get_by_role("button", name="Naar prullenbak").click()
    expect(page.get_by_role("status")).to_contain_text("jaarverslag.pdf staat in de prullenbak.")
    expect(
        page.locator("table.utrecht-table").get_by_role("link", name="jaarverslag.pdf")
    ).to_have_count(0)
    page.get_by_role("link", name="Prullenbak").first.click()
    trashed = page.locator("table.utrecht-table tbody tr", has_text="jaarverslag.pdf")
    expect(trashed).to_have_count(1)
    trashed.get_by_role("button", name="Terugzetten").click()
    expect(page.get_by_role("status")).to_contain_text("jaarverslag.pdf is teruggezet.")
    expect(page.get_by_text("De prullenbak is leeg.")).to_be_visible()
    page.goto(f"/werkruimtes/{space_id}/documenten")
    expect(
        page.locator("table.utrecht-table").get_by_role("link", name="jaarverslag.pdf")
    ).to_be_visible()


DROP_ONE_FILE = """
([name, text]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([text], name));
  return transfer;
}
"""


def _drop(page, name: str, content: str):
    zone = page.locator(".drop-zone")
    transfer = page.evaluate_handle(DROP_ONE_FILE, [name, content])
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def test_a_refused_drop_says_why_and_stays_on_the_page(app, page, live_server, personas):
    space_id = _space(app, personas)
    sign_in(app, page.context, live_server.url, personas.member_a)
    upload_page = f"/werkruimtes/{space_id}/documenten/uploaden"
    page.goto(upload_page)
    _drop(page, "foto.png", "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    error = page.locator(".upload-progress .upload-error")
    expect(error).to_contain_text("foto.png is geen toegestaan bestandstype.")
    expect(page).to_have_url(re.compile(re.escape(upload_page) + "$"))
    # The refused file never arrived: its row has the message and no full progress bar.
    expect(page.locator(".upload-progress li progress")).to_have_count(0)

    # Over the server's limit for a whole request, Werkzeug answers 413 without JSON: the row
    # still says what went wrong, in Dutch.
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        page.reload()
        _drop(page, "groot.txt", "x" * 8192)
        expect(page.locator(".upload-progress .upload-error")).to_contain_text(
            "Het bestand is groter dan toegestaan. Kies een kleiner bestand."
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    page.goto(f"/werkruimtes/{space_id}/documenten")
    expect(page.get_by_text("Deze map is leeg.")).to_be_visible()

    # A good file: the list says so. The same name again: the drop zone asks, and does as told.
    page.goto(upload_page)
    _drop(page, "notulen.txt", "Notulen van het overleg.")
    expect(page).to_have_url(re.compile(rf"/werkruimtes/{space_id}/documenten$"))
    expect(page.get_by_role("status")).to_contain_text("‘notulen.txt’ is geüpload.")
    page.goto(upload_page)
    _drop(page, "notulen.txt", "Notulen, tweede versie.")
    expect(page.locator(".upload-progress .upload-error")).to_contain_text("dezelfde naam")
    page.get_by_role("button", name="Als nieuwe versie toevoegen").click()
    expect(page).to_have_url(re.compile(rf"/werkruimtes/{space_id}/documenten$"))
    page.get_by_role("link", name="notulen.txt").click()
    expect(page.locator("table.utrecht-table tbody tr")).to_have_count(2)  # two versions
