"""Rebuild a PDF from pictures of its pages, in a child process (run by heatwatch.lib.uploads).

    python -I heatwatch/lib/pdfraster.py MAX_PAGES DPI MAX_PAGE_PIXELS MEMORY_BYTES < in > out

The PDF is read from standard input and a new one is written to standard output: one JPEG
picture per page at DPI (fewer dots for a page that would exceed MAX_PAGE_PIXELS), each page
the size of the original. Nothing else of the original survives: no JavaScript, actions,
links, annotations' behaviour, forms, embedded files, metadata or fonts. PDFium renders (it is
built without a JavaScript engine and forms are never initialised); it is not thread-safe and
parses hostile input, so it runs here, in its own process under a memory limit, and the parent
kills it after a time limit.

Exit status 0 with the PDF on standard output, or 3 with one word on standard error:
``encrypted``, ``pages N``, ``unreadable``. No Django here: the child starts fast.
"""

from __future__ import annotations

import io
import math
import resource
import sys

REFUSED = 3


def _refuse(reason: str) -> int:
    sys.stderr.write(reason)
    return REFUSED


def rasterise(data: bytes, *, max_pages: int, dpi: float, max_page_pixels: int) -> bytes | str:
    """The rebuilt PDF, or the reason it is refused (``encrypted``, ``pages N``, ``unreadable``)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    from pypdf import PdfReader, PdfWriter

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        return "encrypted" if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD else "unreadable"
    try:
        # An owner password alone opens without asking: still refused (and never decrypted).
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            return "encrypted"
        count = len(pdf)
        if count == 0:
            return "unreadable"
        if count > max_pages:
            return f"pages {count}"
        writer = PdfWriter()
        for index in range(count):
            page = pdf[index]
            try:
                width, height = page.get_size()  # points, 1/72 inch
                if width <= 0 or height <= 0:
                    return "unreadable"
                scale = min(dpi / 72, math.sqrt(max_page_pixels / (width * height)))
                while math.ceil(width * scale) * math.ceil(height * scale) > max_page_pixels:
                    scale *= 0.995  # PDFium rounds the bitmap's size up
                bitmap = page.render(scale=scale, may_draw_forms=False)
                picture = bitmap.to_pil().convert("RGB")
                bitmap.close()
            finally:
                page.close()
            one = io.BytesIO()
            # Page size in points = pixels * 72 / resolution: the original size, to a point.
            picture.save(one, format="PDF", resolution=72 * scale, quality=85)
            del picture
            writer.add_page(PdfReader(one).pages[0])
        # A new writer has no document information or XMP; say only what made it.
        writer.add_metadata({"/Producer": "heatwatch"})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except pdfium.PdfiumError:
        return "unreadable"
    finally:
        pdf.close()


def main(argv: list[str]) -> int:
    max_pages, dpi, max_page_pixels, memory = argv[1:5]
    limit = int(memory)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read()
    try:
        result = rasterise(
            data, max_pages=int(max_pages), dpi=float(dpi), max_page_pixels=int(max_page_pixels)
        )
    except MemoryError:
        return _refuse("unreadable")
    if isinstance(result, str):
        return _refuse(result)
    sys.stdout.buffer.write(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
