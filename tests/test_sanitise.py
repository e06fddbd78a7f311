"""Fast tests of the sanitising of untrusted PDFs (pdf.sanitise.clean_external and the functions it calls), on
small hostile PDFs built here with pikepdf: no WeasyPrint, no letter build. Each test asserts what is
removed, what is kept and exactly what is reported."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from letter_pdf.pdf import sanitise
from letter_pdf.pdf.sanitise import Removed

# pikepdf warns when saving widgets that no /AcroForm reaches: these test files are meant to be odd
pytestmark = pytest.mark.filterwarnings("ignore:This document has:UserWarning")


def _pdf(build) -> bytes:
    """A PDF of two blank pages, changed by ``build(pdf)``."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.add_blank_page(page_size=(200, 200))
    build(pdf)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _ap(pdf, bbox=(0, 0, 10, 10), **extra):
    return pdf.make_stream(b"0 0 1 rg 0 0 10 10 re f", Type=Name.XObject, Subtype=Name.Form,
                           BBox=Array(list(bbox)), **extra)


def _annots(pdf, page: int, *annots: Dictionary) -> None:
    pdf.pages[page].obj.Annots = Array([pdf.make_indirect(a) for a in annots])


def _clean(data: bytes):
    removed = Removed()
    out, n, outline = sanitise.clean_external(data, removed)
    return pikepdf.open(io.BytesIO(out)), n, outline, removed


def _js(code="app.alert(1)"):
    return Dictionary(S=Name.JavaScript, JS=String(code))


def _text_annot(pdf, **extra):
    return Dictionary(Type=Name.Annot, Subtype=Name.Text, Rect=[10, 10, 20, 20],
                      AP=Dictionary(N=_ap(pdf)), **extra)


def _link(**extra):
    return Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[10, 20, 30, 40], **extra)


# --- the catalog ---------------------------------------------------------------------------------------


def test_a_plain_file_reports_nothing_and_keeps_its_pages():
    out, n, outline, removed = _clean(_pdf(lambda pdf: None))
    assert n == 2 and len(out.pages) == 2 and outline == []
    assert removed.counts == {} and removed.text() == ""
    assert [list(p.mediabox) for p in out.pages] == [[0, 0, 200, 200]] * 2
    assert "/Annots" not in out.pages[0].obj


def test_every_catalog_hazard_is_reported_and_none_is_copied():
    def build(pdf):
        root = pdf.Root
        root.OpenAction = _js()
        root.AA = Dictionary(WC=_js())
        root.Names = pdf.make_indirect(Dictionary(
            JavaScript=Dictionary(Names=Array([String("a"), pdf.make_indirect(_js())])),
            EmbeddedFiles=Dictionary(Names=Array([]))))
        root.AcroForm = pdf.make_indirect(Dictionary(Fields=Array([]), XFA=pdf.make_stream(b"<xdp/>")))

    out, n, _, removed = _clean(_pdf(build))
    assert removed.counts == {"opening action": 1, "document actions": 1, "document JavaScript": 1,
                              "embedded files": 1, "form with XFA": 1}
    assert removed.text() == "opening action, document actions, document JavaScript, embedded files, form with XFA"
    for key in ("/OpenAction", "/AA", "/Names", "/AcroForm", "/AF"):
        assert key not in out.Root
    assert n == 2


def test_catalog_associated_files_and_a_form_without_xfa():
    def build(pdf):
        pdf.Root.AF = Array([pdf.make_indirect(Dictionary(Type=Name.Filespec, F=String("x.txt")))])
        pdf.Root.AcroForm = Dictionary(Fields=Array([]))
        pdf.Root.Names = Dictionary(Dests=Dictionary(Names=Array([])))  # names, but nothing active

    _, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"embedded files": 1, "form": 1}


def test_embedded_files_only_in_the_names_tree():
    def build(pdf):
        pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=Array([])))

    _, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"embedded files": 1}


def test_catalog_removals_reads_an_indirect_names_and_form_dictionary():
    from pypdf import PdfReader

    def build(pdf):
        pdf.Root.Names = pdf.make_indirect(Dictionary(JavaScript=Dictionary(Names=Array([]))))
        pdf.Root.AcroForm = pdf.make_indirect(Dictionary(XFA=Array([])))

    removed = Removed()
    sanitise._catalog_removals(PdfReader(io.BytesIO(_pdf(build))), removed)
    assert removed.counts == {"document JavaScript": 1, "form with XFA": 1}


# --- _action_kind ----------------------------------------------------------------------------------------


def test_action_kind():
    from pypdf.generic import DictionaryObject, NameObject

    assert sanitise._action_kind(DictionaryObject({NameObject("/S"): NameObject("/Launch")})) == "Launch"
    assert sanitise._action_kind(DictionaryObject()) == "unknown"
    assert sanitise._action_kind(None) == "unknown"  # not an object at all


# --- pages and their annotations -----------------------------------------------------------------------


def test_page_actions_and_associated_files_are_dropped():
    def build(pdf):
        page = pdf.pages[0].obj
        page.AA = Dictionary(O=_js())
        page.AF = Array([Dictionary(Type=Name.Filespec)])
        page.Thumb = pdf.make_stream(b"")

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"page actions": 1, "embedded files": 1}
    for key in ("/AA", "/AF", "/Thumb"):
        assert key not in out.pages[0].obj
    assert removed.text() == "page actions, embedded files"


def test_a_visible_annotation_is_kept_without_its_actions():
    def build(pdf):
        _annots(pdf, 0, _text_annot(pdf, A=_js(), AA=Dictionary(E=_js()), F=8 | 256,
                                    Contents=String("note")))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"annotation actions": 1, "JavaScript actions": 1}
    (annot,) = out.pages[0].obj.Annots
    assert annot.Subtype == Name.Text and str(annot.Contents) == "note"
    assert "/A" not in annot and "/AA" not in annot
    assert int(annot.F) == 8 | 4  # printable, NoZoom kept, ToggleNoView cleared
    assert annot.P.objgen == out.pages[0].obj.objgen
    assert "/Annots" not in out.pages[1].obj


@pytest.mark.parametrize("flags", [1, 2, 32])
def test_hidden_annotations_are_dropped(flags):
    def build(pdf):
        _annots(pdf, 0, _text_annot(pdf, F=flags | 4), _text_annot(pdf, F=4, Contents=String("kept")))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"hidden annotations": 1}
    assert [str(a.Contents) for a in out.pages[0].obj.Annots] == ["kept"]


def test_an_annotation_without_appearance_is_dropped_as_hidden():
    def build(pdf):
        _annots(pdf, 0, Dictionary(Type=Name.Annot, Subtype=Name.Square, Rect=[0, 0, 5, 5]))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"hidden annotations": 1}
    assert "/Annots" not in out.pages[0].obj


def test_attachments_multimedia_and_popups_are_dropped():
    def build(pdf):
        _annots(pdf, 0,
                Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=[0, 0, 5, 5],
                           AP=Dictionary(N=_ap(pdf)), FS=Dictionary(Type=Name.Filespec)),
                Dictionary(Type=Name.Annot, Subtype=Name.Sound, Rect=[0, 0, 5, 5], AP=Dictionary(N=_ap(pdf))),
                Dictionary(Type=Name.Annot, Subtype=Name.RichMedia, Rect=[0, 0, 5, 5], AP=Dictionary(N=_ap(pdf))),
                Dictionary(Type=Name.Annot, Subtype=Name.Popup, Rect=[0, 0, 5, 5], AP=Dictionary(N=_ap(pdf))))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"embedded files": 1, "multimedia": 2}
    assert "/Annots" not in out.pages[0].obj


def test_form_fields_are_flattened_or_dropped_and_reported():
    def build(pdf):
        _annots(pdf, 0,
                Dictionary(Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, Rect=[100, 100, 120, 140],
                           AP=Dictionary(N=_ap(pdf, bbox=(0, 0, 10, 20))), A=_js()),
                Dictionary(Type=Name.Annot, FT=Name.Btn, Rect=[0, 0, 5, 5]),  # a field with no appearance
                Dictionary(Type=Name.Annot, Subtype=Name.Widget, Rect=[0, 0, 5, 5], F=2,
                           AP=Dictionary(N=_ap(pdf))))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"form fields": 3}
    assert removed.flattened == 1
    assert removed.text() == "form fields (3, 1 kept visible)"
    page = out.pages[0].obj
    assert "/Annots" not in page
    assert list(page.Resources.XObject.keys()) == ["/LetterPdfField1"]
    form = page.Resources.XObject.LetterPdfField1
    assert form.Subtype == Name.Form and list(form.BBox) == [0, 0, 10, 20]
    last = page.Contents[-1].read_bytes()
    assert last == b"\nQ\nq 2 0 0 2 100 100 cm /LetterPdfField1 Do Q\n"


def test_all_fields_flattened_says_so():
    def build(pdf):
        _annots(pdf, 0, Dictionary(Type=Name.Annot, Subtype=Name.Widget, Rect=[0, 0, 10, 10],
                                   AP=Dictionary(N=_ap(pdf))))

    _, _, _, removed = _clean(_pdf(build))
    assert removed.text() == "form fields (what was filled in stays visible)"


# --- _flatten, directly ------------------------------------------------------------------------------------


def _flat(annot_builder, resources=None):
    """_flatten on the first annotation of a page built with pikepdf; its result, the list and the page."""
    from pypdf import PdfReader, PdfWriter

    def build(pdf):
        if resources is not None:
            pdf.pages[0].obj.Resources = resources(pdf)
        _annots(pdf, 0, annot_builder(pdf))

    reader = PdfReader(io.BytesIO(_pdf(build)))
    writer = PdfWriter()
    new = writer.add_page(reader.pages[0], excluded_keys=("/Annots",))
    annot = reader.pages[0]["/Annots"][0].get_object()
    flattened: list = []
    ok = sanitise._flatten(writer, new, annot, flattened)
    return ok, flattened, new


def _widget(pdf, **extra):
    return Dictionary(Type=Name.Annot, Subtype=Name.Widget, **extra)


def test_flatten_scales_and_moves_the_appearance_into_the_rectangle():
    ok, flattened, new = _flat(lambda pdf: _widget(pdf, Rect=[120, 140, 100, 100],  # corners swapped
                                                  AP=Dictionary(N=_ap(pdf, bbox=(5, 10, 15, 30)))))
    assert ok and flattened == [("/LetterPdfField1", [2.0, 0, 0, 2.0, 100 - 5 * 2.0, 100 - 10 * 2.0])]
    xobj = new["/Resources"]["/XObject"]["/LetterPdfField1"].get_object()
    assert xobj["/Type"] == "/XObject" and xobj["/Subtype"] == "/Form"


def test_flatten_applies_the_appearance_matrix():
    # a 90-degree turn: the 10x20 box becomes 20 wide, 10 high, at x from -20 to 0
    ok, flattened, _ = _flat(lambda pdf: _widget(pdf, Rect=[0, 0, 40, 20], AP=Dictionary(
        N=_ap(pdf, bbox=(0, 0, 10, 20), Matrix=Array([0, 1, -1, 0, 0, 0])))))
    assert ok and flattened == [("/LetterPdfField1", [2.0, 0, 0, 2.0, 40.0, 0.0])]


def test_flatten_picks_the_appearance_of_the_current_state():
    def build(pdf):
        on = pdf.make_stream(b"", BBox=Array([0, 0, 4, 4]))  # no /Type or /Subtype: they are set
        off = pdf.make_stream(b"", BBox=Array([0, 0, 8, 8]))
        return _widget(pdf, Rect=[0, 0, 8, 8], AS=Name.On, AP=Dictionary(N=Dictionary(On=on, Off=off)))

    ok, flattened, new = _flat(build)
    assert ok and flattened == [("/LetterPdfField1", [2.0, 0, 0, 2.0, 0.0, 0.0])]
    xobj = new["/Resources"]["/XObject"]["/LetterPdfField1"].get_object()
    assert xobj["/Type"] == "/XObject" and xobj["/Subtype"] == "/Form"


def test_flatten_gives_the_appearance_a_bbox_when_it_has_none():
    def build(pdf):
        return _widget(pdf, Rect=[10, 10, 30, 20], AP=Dictionary(N=pdf.make_stream(b"")))

    ok, flattened, new = _flat(build)
    assert ok and flattened == [("/LetterPdfField1", [1.0, 0, 0, 1.0, 10.0, 10.0])]
    xobj = new["/Resources"]["/XObject"]["/LetterPdfField1"].get_object()
    assert [float(v) for v in xobj["/BBox"]] == [0, 0, 20, 10]


def test_flatten_does_not_overwrite_an_xobject_of_the_page():
    def resources(pdf):
        return Dictionary(XObject=Dictionary(LetterPdfField1=pdf.make_stream(b"mine")))

    ok, flattened, new = _flat(lambda pdf: _widget(pdf, Rect=[0, 0, 10, 10], AP=Dictionary(N=_ap(pdf))),
                               resources)
    assert ok and flattened[0][0] == "/LetterPdfField1x"
    xobjects = new["/Resources"]["/XObject"]
    assert xobjects["/LetterPdfField1"].get_object().get_data() == b"mine"
    assert "/LetterPdfField1x" in xobjects


def test_flatten_uses_existing_resources_without_xobjects():
    def resources(pdf):
        return Dictionary(Font=Dictionary())

    ok, _, new = _flat(lambda pdf: _widget(pdf, Rect=[0, 0, 10, 10], AP=Dictionary(N=_ap(pdf))), resources)
    assert ok and "/Font" in new["/Resources"] and "/LetterPdfField1" in new["/Resources"]["/XObject"]


def test_flatten_on_a_page_without_resources():
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(io.BytesIO(_pdf(lambda pdf: _annots(pdf, 0, _widget(
        pdf, Rect=[0, 0, 10, 10], AP=Dictionary(N=_ap(pdf)))))))
    writer = PdfWriter()
    new = writer.add_page(reader.pages[0], excluded_keys=("/Annots", "/Resources"))
    assert "/Resources" not in new
    flattened: list = []
    assert sanitise._flatten(writer, new, reader.pages[0]["/Annots"][0].get_object(), flattened)
    assert list(new["/Resources"]["/XObject"].keys()) == [NameObject("/LetterPdfField1")]


@pytest.mark.parametrize("case", ["no AP", "no N", "hidden", "invisible", "noview", "state missing",
                                  "no state", "state not a stream", "empty box", "flat box", "bad rect"])
def test_flatten_refuses(case):
    def build(pdf):
        ap = Dictionary(N=_ap(pdf))
        extra = {"Rect": Array([0, 0, 10, 10]), "AP": ap}
        if case == "no AP":
            del extra["AP"]
        elif case == "no N":
            extra["AP"] = Dictionary(D=_ap(pdf))
        elif case in ("hidden", "invisible", "noview"):
            extra["F"] = {"hidden": 2, "invisible": 1, "noview": 32}[case]
        elif case == "state missing":
            extra["AP"] = Dictionary(N=Dictionary(On=_ap(pdf)))
            extra["AS"] = Name.Off
        elif case == "no state":
            extra["AP"] = Dictionary(N=Dictionary(On=_ap(pdf)))
        elif case == "state not a stream":
            extra["AP"] = Dictionary(N=Dictionary(On=Dictionary()))
            extra["AS"] = Name.On
        elif case == "empty box":
            extra["AP"] = Dictionary(N=_ap(pdf, bbox=(0, 0, 0, 10)))
        elif case == "flat box":
            extra["AP"] = Dictionary(N=_ap(pdf, bbox=(0, 0, 10, 0)))
        elif case == "bad rect":
            extra["Rect"] = Array([0, 0, 10])
        return _widget(pdf, **extra)

    ok, flattened, new = _flat(build)
    assert ok is False and flattened == []
    assert "/XObject" not in (new.get("/Resources") or {})


# --- links -------------------------------------------------------------------------------------------------


def _link_pdf(*links, page_of_dest=None):
    def build(pdf):
        made = [link(pdf) if callable(link) else link for link in links]
        _annots(pdf, 0, *made)

    return _pdf(build)


def test_web_links_are_rebuilt_plain():
    data = _link_pdf(_link(A=Dictionary(S=Name.URI, URI=String("HTTPS://example.org/a"), Next=_js()),
                           AA=Dictionary(E=_js()), Border=Array([0, 0, 5]), C=Array([1, 0, 0])),
                     _link(A=Dictionary(S=Name.URI, URI=String("mailto:a@example.org"))))
    out, _, _, removed = _clean(data)
    assert removed.counts == {"annotation actions": 1, "chained actions": 1}
    a, b = out.pages[0].obj.Annots
    assert dict(a.items()) == {
        "/Type": Name.Annot, "/Subtype": Name.Link, "/Rect": Array([10, 20, 30, 40]),
        "/Border": Array([0, 0, 0]), "/F": 4, "/P": out.pages[0].obj,
        "/A": Dictionary(Type=Name.Action, S=Name.URI, URI=String("HTTPS://example.org/a"))}
    assert str(b.A.URI) == "mailto:a@example.org"
    assert [float(v) for v in a.Rect] == [10, 20, 30, 40]


@pytest.mark.parametrize("uri", ["javascript:app.alert(1)", "file:///etc/passwd", "http://a\nb", "http://a\rb",
                                 "http://a\x00b", "http://" + "a" * 4089])
def test_links_that_are_not_web_links_are_dropped(uri):
    out, _, _, removed = _clean(_link_pdf(_link(A=Dictionary(S=Name.URI, URI=String(uri)))))
    assert removed.counts == {"links that are not web links": 1}
    assert "/Annots" not in out.pages[0].obj


def test_the_longest_web_link_is_kept():
    uri = "http://" + "a" * 4088
    out, _, _, removed = _clean(_link_pdf(_link(A=Dictionary(S=Name.URI, URI=String(uri)))))
    assert removed.counts == {} and str(out.pages[0].obj.Annots[0].A.URI) == uri


def test_a_uri_action_without_uri_is_dropped():
    out, _, _, removed = _clean(_link_pdf(_link(A=Dictionary(S=Name.URI))))
    assert removed.counts == {"links that are not web links": 1}


@pytest.mark.parametrize("kind", ["Launch", "GoToR", "JavaScript", "SubmitForm"])
def test_other_link_actions_are_dropped_and_named(kind):
    out, _, _, removed = _clean(_link_pdf(_link(A=Dictionary(S=Name("/" + kind), F=String("calc.exe")))))
    assert removed.counts == {f"{kind} actions": 1}
    assert "/Annots" not in out.pages[0].obj


def test_a_link_action_without_kind_is_named_unknown():
    _, _, _, removed = _clean(_link_pdf(_link(A=Dictionary(F=String("x")))))
    assert removed.counts == {"unknown actions": 1}


def test_a_goto_without_destination_is_dropped():
    _, _, _, removed = _clean(_link_pdf(_link(A=Dictionary(S=Name.GoTo))))
    assert removed.counts == {"GoTo actions": 1}


def test_links_without_a_rectangle_or_a_target_are_dropped_silently():
    out, _, _, removed = _clean(_link_pdf(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, "x", 1],
                                                     Dest=[0, Name.Fit]),
                                          Dictionary(Type=Name.Annot, Subtype=Name.Link, Dest=[0, Name.Fit]),
                                          _link()))
    assert removed.counts == {}
    assert "/Annots" not in out.pages[0].obj


def test_internal_links_point_at_page_indexes_of_the_part():
    def build(pdf):
        second = pdf.pages[1].obj
        first = pdf.pages[0].obj
        pdf.Root.Dests = Dictionary(there=Array([second, Name.Fit]))  # PDF 1.1 named destinations
        _annots(pdf, 0,
                _link(A=Dictionary(S=Name.GoTo, D=Array([second, Name.XYZ, 0, 0, 0]))),
                _link(Dest=Array([first, Name.Fit])),
                _link(Dest=Name.there))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {}
    dests = [a.Dest for a in out.pages[0].obj.Annots]
    assert [(int(d[0]), d[1]) for d in dests] == [(1, Name.Fit), (0, Name.Fit), (1, Name.Fit)]
    assert all("/A" not in a for a in out.pages[0].obj.Annots)


def test_a_goto_to_a_name_in_the_names_tree():
    def build(pdf):
        second = pdf.pages[1].obj
        pdf.Root.Names = Dictionary(Dests=Dictionary(Names=Array([String("here"), Array([second, Name.Fit])])))
        _annots(pdf, 1, _link(A=Dictionary(S=Name.GoTo, D=String("here"))))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {}
    dests = [a.Dest for a in out.pages[1].obj.Annots]
    assert [(int(d[0]), d[1]) for d in dests] == [(1, Name.Fit)]


def test_links_to_other_documents_are_dropped():
    def build(pdf):
        other = pdf.make_indirect(Dictionary(Type=Name.Page))  # a page not in the page tree
        _annots(pdf, 0,
                _link(Dest=Array([other, Name.Fit])),
                _link(Dest=Name.nowhere),
                _link(Dest=Array([5, Name.Fit])),
                _link(Dest=Array([])),
                _link(Dest=Array([pdf.pages[1].obj, Name.Fit]), Contents=String("kept")))
        _annots(pdf, 1, _link(Dest=Name.nowhere))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"links to other documents": 5}
    (kept,) = out.pages[0].obj.Annots
    assert int(kept.Dest[0]) == 1
    assert len(out.pages[1].obj.Annots) == 0


def test_a_named_destination_outside_the_part_is_dropped():
    def build(pdf):
        pdf.Root.Dests = Dictionary(gone=Array([pdf.make_indirect(Dictionary(Type=Name.Page)), Name.Fit]))
        _annots(pdf, 0, _link(Dest=Name.gone))

    _, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"links to other documents": 1}


def test_resolve_links_removes_the_right_annotation():
    from pypdf import PdfReader, PdfWriter

    def build(pdf):
        _annots(pdf, 0, _link(Dest=Name.gone), _link(Dest=Array([pdf.pages[1].obj, Name.Fit])))

    reader = PdfReader(io.BytesIO(_pdf(build)))
    writer = PdfWriter()
    removed = Removed()
    pages, pending = [], []
    for page in reader.pages:
        new, links = sanitise._copy_external_page(writer, reader, page, removed)
        pages.append(new)
        pending += links
    assert len(pending) == 2
    sanitise._resolve_links(writer, reader, pages, pending, removed)
    annots = pages[0]["/Annots"]
    assert len(annots) == 1 and annots[0].get_object()["/Dest"] == [1, "/Fit"]
    assert removed.counts == {"links to other documents": 1}


def test_pages_are_copied_in_order():
    def build(pdf):
        pdf.pages[0].obj.Rotate = 90
        pdf.add_blank_page(page_size=(300, 100))

    out, n, _, _ = _clean(_pdf(build))
    assert n == 3 and [int(p.obj.get("/Rotate", 0)) for p in out.pages] == [90, 0, 0]
    assert [float(p.mediabox[2]) for p in out.pages] == [200, 200, 300]


# --- tests added for mutants the first mutation run left alive (tests/MUTATION.md) --------------------------


def test_action_kinds_starting_with_x_keep_their_name():
    from pypdf.generic import DictionaryObject, NameObject

    assert sanitise._action_kind(DictionaryObject({NameObject("/S"): NameObject("/XHTML")})) == "XHTML"
    _, _, _, removed = _clean(_link_pdf(_link(A=Dictionary(S=Name("/XLaunch")))))
    assert removed.counts == {"XLaunch actions": 1}


def test_every_flattened_field_is_counted():
    def build(pdf):
        _annots(pdf, 0, *[Dictionary(Type=Name.Annot, Subtype=Name.Widget, Rect=[0, 0, 10, 10],
                                     AP=Dictionary(N=_ap(pdf))) for _ in range(2)])

    out, _, _, removed = _clean(_pdf(build))
    assert removed.flattened == 2 and removed.counts == {"form fields": 2}
    assert sorted(out.pages[0].obj.Resources.XObject.keys()) == ["/LetterPdfField1", "/LetterPdfField2"]


def test_annotations_after_dropped_ones_are_still_looked_at():
    def build(pdf):
        _annots(pdf, 0,
                Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=[0, 0, 5, 5], AP=Dictionary(N=_ap(pdf))),
                _text_annot(pdf, Contents=String("one")),
                Dictionary(Type=Name.Annot, Subtype=Name.Sound, Rect=[0, 0, 5, 5], AP=Dictionary(N=_ap(pdf))),
                _text_annot(pdf, Contents=String("two")),
                Dictionary(Type=Name.Annot, Subtype=Name.Popup, Rect=[0, 0, 5, 5]),
                _text_annot(pdf, Contents=String("three"), F=0))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {"embedded files": 1, "multimedia": 1}
    annots = list(out.pages[0].obj.Annots)
    assert [str(a.Contents) for a in annots] == ["one", "two", "three"]
    assert [int(a.F) for a in annots] == [4, 4, 4]  # no /F, or /F 0: visible, made printable


def test_a_kept_annotation_is_written_once():
    def build(pdf):
        _annots(pdf, 0, _text_annot(pdf, Contents=String("note")))

    out, _, _, _ = _clean(_pdf(build))
    annots = [o for o in out.objects if isinstance(o, Dictionary) and o.get("/Subtype") == Name.Text]
    assert len(annots) == 1


def test_flatten_accepts_extra_numbers_in_rect_and_matrix():
    ok, flattened, _ = _flat(lambda pdf: _widget(pdf, Rect=[0, 0, 20, 20, 99], AP=Dictionary(
        N=_ap(pdf, bbox=(0, 0, 10, 10), Matrix=Array([1, 0, 0, 1, 0, 0, 99])))))
    assert ok and flattened == [("/LetterPdfField1", [2.0, 0, 0, 2.0, 0.0, 0.0])]


def test_flatten_applies_the_translation_of_the_matrix():
    ok, flattened, _ = _flat(lambda pdf: _widget(pdf, Rect=[0, 0, 10, 10], AP=Dictionary(
        N=_ap(pdf, bbox=(0, 0, 10, 10), Matrix=Array([1, 0, 0, 1, 5, 7])))))
    assert ok and flattened == [("/LetterPdfField1", [1.0, 0, 0, 1.0, -5.0, -7.0])]


@pytest.mark.parametrize("bbox, scale", [((0, 0, 0.5, 0.5), 20.0), ((0, -20, 10, -10), 1.0)])
def test_flatten_small_and_negative_boxes(bbox, scale):
    ok, flattened, _ = _flat(lambda pdf: _widget(pdf, Rect=[0, 0, 10, 10], AP=Dictionary(N=_ap(pdf, bbox=bbox))))
    assert ok and flattened[0][1][:4] == [scale, 0, 0, scale]


def test_flatten_drops_actions_from_the_appearance():
    ok, _, new = _flat(lambda pdf: _widget(pdf, Rect=[0, 0, 10, 10], AP=Dictionary(
        N=_ap(pdf, AA=Dictionary(O=_js()), A=_js()))))
    xobj = new["/Resources"]["/XObject"]["/LetterPdfField1"].get_object()
    assert ok and "/AA" not in xobj and "/A" not in xobj


def test_a_web_link_with_an_x_and_a_rect_of_five_numbers():
    out, _, _, removed = _clean(_link_pdf(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[1, 2, 3, 4, 5],
                                                     A=Dictionary(S=Name.URI, URI=String("https://x.org/X")))))
    assert removed.counts == {}
    (link,) = out.pages[0].obj.Annots
    assert str(link.A.URI) == "https://x.org/X" and list(link.Rect) == [1, 2, 3, 4]


def test_a_slightly_damaged_file_is_repaired_not_refused():
    data = _pdf(lambda pdf: None)
    start = data.rindex(b"startxref")
    data = data[:start] + b"startxref\n12\n%%EOF\n"  # a wrong cross-reference offset
    out, n, _, removed = _clean(data)
    assert n == 2 and len(out.pages) == 2 and removed.counts == {}


def test_a_named_destination_on_the_first_page():
    def build(pdf):
        pdf.Root.Dests = Dictionary(top=Array([pdf.pages[0].obj, Name.Fit]))
        _annots(pdf, 1, _link(Dest=Name.top))

    out, _, _, removed = _clean(_pdf(build))
    assert removed.counts == {} and int(out.pages[1].obj.Annots[0].Dest[0]) == 0



def test_a_damaged_names_tree_drops_the_named_link_and_the_outline():
    """pypdf raises (TypeError) reading a /Dests name tree with a number among its /Kids: the named link is
    dropped as one that leads nowhere, and the outline, read through the same tree, is reported unreadable."""
    def build(pdf):
        pdf.Root.Names = Dictionary(Dests=Dictionary(Kids=Array([5])))
        _annots(pdf, 0, _link(Dest=String("here")), _link(Dest=Array([pdf.pages[1].obj, Name.Fit])))

    out, n, outline, removed = _clean(_pdf(build))
    assert n == 2 and outline == []
    assert removed.counts == {"links to other documents": 1, "an outline that could not be read": 1}
    (kept,) = out.pages[0].obj.Annots
    assert [int(kept.Dest[0]), kept.Dest[1]] == [1, Name.Fit]
