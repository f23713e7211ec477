"""Real files of every kind text is read from, written in the test by the libraries that write
them (python-docx, openpyxl, python-pptx) or by hand (PDF, OpenDocument, e-mail)."""

import io
import zipfile
from email.message import EmailMessage

import docx
import openpyxl
import pptx


def word(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "tabelcel", "handelingskader"
    return _saved(document)


def excel(*cells: str) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Overzicht"
    for row, value in enumerate(cells, start=1):
        sheet.cell(row=row, column=1, value=value)
        sheet.cell(row=row, column=2, value=row * 10)
    return _saved(workbook)


def powerpoint(title: str, notes: str) -> bytes:
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = title
    slide.notes_slide.notes_text_frame.text = notes
    return _saved(presentation)


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf(*lines: str) -> bytes:
    """A one-page PDF with a text object in Helvetica (WinAnsiEncoding, so "ï" is one byte)."""
    shown = " ".join(f"({_pdf_string(line)}) Tj 0 -16 Td" for line in lines)
    return _pdf_document(
        "/Font << /F1 4 0 R >>",
        f"BT /F1 12 Tf 72 720 Td {shown} ET".encode("cp1252"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    )


def scanned_pdf() -> bytes:
    """A page that is only an image, as a scanner makes it: no text at all."""
    image = b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray"
    image += b" /BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream"
    return _pdf_document("/XObject << /Im1 4 0 R >>", b"q 200 0 0 200 72 500 cm /Im1 Do Q", image)


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pdf_document(resources: str, content: bytes, fourth: bytes) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << {resources} >>"
        " /Contents 5 0 R >>".encode(),
        fourth,
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


ODF_TEXT = "application/vnd.oasis.opendocument.text"
ODF_SPREADSHEET = "application/vnd.oasis.opendocument.spreadsheet"


def opendocument(mimetype: str, body: str) -> bytes:
    """An OpenDocument file: the mimetype entry first and stored, then content.xml."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return buffer.getvalue()


def odt(*paragraphs: str) -> bytes:
    text = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    return opendocument(ODF_TEXT, f"<office:text>{text}</office:text>")


def ods(*cells: str) -> bytes:
    rows = "".join(
        f"<table:table-row><table:table-cell><text:p>{c}</text:p></table:table-cell>"
        "</table:table-row>"
        for c in cells
    )
    return opendocument(
        ODF_SPREADSHEET,
        f'<office:spreadsheet><table:table table:name="Blad1">{rows}</table:table>'
        "</office:spreadsheet>",
    )


def email(subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Politie Rotterdam <meldkamer@politie.example>"
    message["To"] = "gemeente@rotterdam.example"
    message["Subject"] = subject
    message["Date"] = "Fri, 04 Dec 2026 10:00:00 +0100"
    message.set_content(body)
    return bytes(message)


def word_with_entity_bomb() -> bytes:
    """A .docx whose document.xml declares entities that expand a billion times."""
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]><w:document>&j;</w:document>'
    source = io.BytesIO(word("gewoon"))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as archive:
        for info in original.infolist():
            data = bomb.encode() if info.filename == "word/document.xml" else original.read(info)
            archive.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def word_zip_bomb(unpacked: int) -> bytes:
    """A .docx with one entry that unpacks to `unpacked` bytes of zeros (a few kB packed)."""
    source = io.BytesIO(word("gewoon"))
    out = io.BytesIO()
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(out, "w", compresslevel=1) as archive,
    ):
        for info in original.infolist():
            archive.writestr(info.filename, original.read(info), zipfile.ZIP_DEFLATED)
        zeros = zipfile.ZipInfo("word/media/zeros.bin")
        zeros.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(zeros, "w") as entry:
            block = bytes(1024 * 1024)
            for _ in range(unpacked // len(block)):
                entry.write(block)
    return out.getvalue()
