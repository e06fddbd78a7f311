"""Signing: PAdES B-B/B-T, certification, the visible field, PDF/A.

Every signature made here is checked with pyHanko's own validator against the test's throw-away CA.
"""

from __future__ import annotations

import io

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from letter_pdf import sign
from letter_pdf.cli import main
from letter_pdf.errors import SigningError
from letter_pdf.pdf import pdfa

import pki


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return pki.make_world(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return pki.sample_pdf()


def options(world, **kwargs) -> sign.SignOptions:
    return sign.SignOptions(key=kwargs.pop("key", world.p12), passphrase=kwargs.pop("passphrase", pki.PASSPHRASE),
                            **kwargs)


@pytest.fixture(scope="module")
def signed(world, unsigned) -> sign.Signed:
    """B-B, visible on the sample's signature block."""
    return sign.sign(unsigned, options(world), field_box=pki.SAMPLE_BOX)


def validate(pdf: bytes, world):
    reader = PdfFileReader(io.BytesIO(pdf))
    sigs = reader.embedded_regular_signatures
    assert len(sigs) == 1
    vc = lambda: ValidationContext(trust_roots=[world.ca.asn1_cert()], allow_fetching=False)  # noqa: E731
    return sigs[0], validate_pdf_signature(sigs[0], signer_validation_context=vc(), ts_validation_context=vc())


def test_signed_package_validates_with_pyhanko(signed, world):
    emb, status = validate(signed.pdf, world)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE
    assert status.bottom_line
    assert emb.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.timestamp_validity is None  # B-B: no timestamp
    assert status.signing_cert.subject.native["common_name"] == "Maria Ковальчук, Test Coalition"
    assert signed.signer == "Maria Ковальчук, Test Coalition"
    assert signed.notes[0] == "signed by Maria Ковальчук, Test Coalition"


def test_signing_is_one_incremental_update(signed, unsigned, world):
    assert signed.pdf.startswith(unsigned)  # the assembled bytes are kept as they are
    emb, _ = validate(signed.pdf, world)
    reader = PdfFileReader(io.BytesIO(signed.pdf))
    original = PdfFileReader(io.BytesIO(unsigned))
    assert reader.xrefs.total_revisions == original.xrefs.total_revisions + 1
    assert emb.signed_revision == reader.xrefs.total_revisions - 1


def test_visible_field_sits_on_the_signature_block(signed):
    reader = PdfReader(io.BytesIO(signed.pdf))
    page_index, x0, y0, x1, y1 = pki.SAMPLE_BOX
    widgets = [
        (i, a.get_object()) for i, page in enumerate(reader.pages) for a in page.get("/Annots", [])
        if a.get_object().get("/FT") == "/Sig"
    ]
    assert len(widgets) == 1
    index, widget = widgets[0]
    assert index == page_index == 1
    assert [float(v) for v in widget["/Rect"]] == [round(v) for v in (x0, y0, x1, y1)]
    with pikepdf.open(io.BytesIO(signed.pdf)) as pdf:  # the text drawn, as its /ActualText spans say
        appearance = next(a for a in pdf.pages[1].Annots if a.get("/FT") == "/Sig").AP.N
        spans = [str(op.operands[1].ActualText) for op in pikepdf.parse_content_stream(appearance)
                 if str(op.operator) == "BDC" and "/ActualText" in op.operands[1]]
    assert len(spans) == 1 and spans[0].startswith("Digitally signed by Maria Ковальчук, Test Coalition, 20")
    assert spans[0].endswith(" UTC")


def test_pdfa_claim_is_kept_and_the_widget_conforms(signed, unsigned):
    assert pdfa.signature_problems(signed.pdf) == []
    assert signed.pdfa_kept is True
    with pikepdf.open(io.BytesIO(signed.pdf)) as pdf, pikepdf.open(io.BytesIO(unsigned)) as before:
        assert pdf.open_metadata().pdfa_status == "3A"
        # the signature revision leaves Info and XMP exactly as assembled (PDF/A needs them to agree)
        assert pdf.Root.Metadata.read_bytes() == before.Root.Metadata.read_bytes()
        assert dict(pdf.docinfo.items()) == dict(before.docinfo.items())
        widget = next(a for a in pdf.pages[1].Annots if a.get("/FT") == "/Sig")
        assert int(widget.F) & 4  # printable
        font = next(iter(widget.AP.N.Resources.Font.values()))
        assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor
        assert "/ToUnicode" in font
        assert "/ExtGState" not in widget.AP.N.Resources  # no transparency


def test_a_non_conforming_appearance_drops_the_pdfa_claim(world, unsigned, monkeypatch):
    from pyhanko.stamp import TextStampStyle

    # pyHanko's default stamp: Courier, not embedded, with a border -> not PDF/A
    monkeypatch.setattr(sign, "_stamp_style", lambda text: TextStampStyle(stamp_text="%(signer)s"))
    result = sign.sign(unsigned, options(world), field_box=pki.SAMPLE_BOX)
    assert result.pdfa_kept is False
    assert any("PDF/A-3A claim removed" in n and "not embedded" in n for n in result.notes), result.notes
    assert any("not embedded" in p for p in pdfa.signature_problems(result.pdf))
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        assert pdf.open_metadata().pdfa_status == ""
    _, status = validate(result.pdf, world)  # the claim is dropped in the signed revision itself
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_rgb_appearance_without_an_rgb_output_intent_drops_the_claim(world, unsigned):
    with pikepdf.open(io.BytesIO(unsigned)) as pdf:  # a PDF/A claim without its output intent
        del pdf.Root["/OutputIntents"]
        buffer = io.BytesIO()
        pdf.save(buffer)
    result = sign.sign(buffer.getvalue(), options(world), field_box=pki.SAMPLE_BOX)
    assert result.pdfa_kept is False
    assert any("claim removed" in n and "DeviceRGB colour without an RGB output intent" in n for n in result.notes)


def test_stamp_and_alternate_text_in_the_letters_language(world, unsigned):
    opts = options(world, stamp_text="Подписано электронной подписью: {name}, {time} (100%)",
                   alt_text="Электронная подпись: {name}")
    result = sign.sign(unsigned, opts, field_box=pki.SAMPLE_BOX)
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        widget = next(a for a in pdf.pages[1].Annots if a.get("/FT") == "/Sig")
        spans = [str(op.operands[1].ActualText) for op in pikepdf.parse_content_stream(widget.AP.N)
                 if str(op.operator) == "BDC" and "/ActualText" in op.operands[1]]
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        element = dict(zip(nums[::2], nums[1::2]))[int(widget.StructParent)]
        assert str(element.Alt) == "Электронная подпись: Maria Ковальчук, Test Coalition"
    assert spans[0].startswith("Подписано электронной подписью: Maria Ковальчук, Test Coalition, 20")
    assert spans[0].endswith(" UTC (100%)")
    assert pdfa.signature_problems(result.pdf) == []


def test_invisible_signature(world, unsigned):
    result = sign.sign(unsigned, options(world, visible=False), field_box=pki.SAMPLE_BOX)
    _, status = validate(result.pdf, world)
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    reader = PdfReader(io.BytesIO(result.pdf))
    widget = next(a.get_object() for p in reader.pages for a in p.get("/Annots", []) if a.get_object().get("/FT") == "/Sig")
    rect = [float(v) for v in widget["/Rect"]]
    assert rect[0] == rect[2] and rect[1] == rect[3]  # zero area: nothing drawn
    assert result.pdfa_kept is True and "(invisible signature)" in result.notes[0]


def test_certification_allows_no_changes(world, unsigned):
    result = sign.sign(unsigned, options(world, certify=True), field_box=pki.SAMPLE_BOX)
    emb, status = validate(result.pdf, world)
    assert status.bottom_line and status.docmdp_ok
    assert emb.docmdp_level.name == "NO_CHANGES"
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        assert "/DocMDP" in pdf.Root.Perms
    assert result.notes[0].startswith("certified (no changes allowed) by ")


def test_timestamp_from_a_local_rfc3161_server(world, unsigned):
    with pki.LocalTSA(world.tsa, world.ca) as tsa:
        result = sign.sign(unsigned, options(world, timestamp_url=tsa.url), field_box=pki.SAMPLE_BOX)
        assert tsa.requests >= 1
    _, status = validate(result.pdf, world)
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    ts = status.timestamp_validity
    assert ts is not None and ts.intact and ts.valid and ts.trusted  # PAdES B-T
    assert result.timestamped and "with a timestamp" in result.notes[0]


def _causes(error: BaseException) -> list[BaseException]:
    """The chain of exceptions behind ``error`` (its causes and contexts)."""
    chain = []
    while (error := error.__cause__ or error.__context__) is not None and error not in chain:
        chain.append(error)
    return chain


def test_a_refusing_timestamp_server_is_a_signing_error(world, unsigned):
    with pki.RefusingPort() as port:
        with pytest.raises(SigningError, match="timestamp server .* cannot be used") as info:
            sign.sign(unsigned, options(world, timestamp_url=port.url, timeout=2), field_box=pki.SAMPLE_BOX)
    message = str(info.value)
    assert message.startswith(f"the timestamp server {port.url} cannot be used (") and "\n" not in message
    assert "Cannot connect to host 127.0.0.1" in message and "no answer within" not in message
    assert any(isinstance(c, ConnectionRefusedError) for c in _causes(info.value))  # refused, not timed out


@pytest.mark.parametrize(
    ("status", "content_type", "body", "message"),
    [
        (500, "text/plain", b"down for maintenance", "500"),
        (200, "text/html", b"<html>a login page</html>", "expected content type application/timestamp-reply"),
        (200, "application/timestamp-reply", b"\x30\x80garbage", "not an RFC 3161 timestamp"),
        (200, "application/timestamp-reply", pki.rejection_response(), "or the server refused the request"),
    ],
)
def test_a_bad_timestamp_server_is_a_one_line_signing_error(world, unsigned, status, content_type, body, message):
    with pki.FixedAnswerServer(status, content_type, body) as server:
        with pytest.raises(SigningError, match="timestamp server .* cannot be used") as info:
            sign.sign(unsigned, options(world, timestamp_url=server.url), field_box=None)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_timestamp_server_that_never_answers_times_out(world, unsigned):
    with pki.SilentServer() as server:
        with pytest.raises(SigningError, match=r"cannot be used \(no answer within 1 s\)") as info:
            sign.sign(unsigned, options(world, timestamp_url=server.url, timeout=1), field_box=None)
    # the behaviour, not the duration: the HTTP request ended in a timeout (which the message names)
    causes = _causes(info.value)
    assert any(isinstance(c, TimeoutError) for c in causes), causes


@pytest.mark.parametrize("url", ["file:///etc/passwd", "tsa.example.org", "http://"])
def test_timestamp_url_must_be_http(world, unsigned, url):
    with pytest.raises(SigningError, match="http:// or https://"):
        sign.sign(unsigned, options(world, timestamp_url=url), field_box=None)


def test_cli_checks_the_timestamp_url_before_any_work(world, letter_file, monkeypatch, capsys):
    monkeypatch.setenv(sign.PASSPHRASE_ENV, pki.PASSPHRASE.decode())
    with pytest.raises(SystemExit) as exit_info:  # letter_file is not even a valid letter: never reached
        main(["build", str(letter_file), "--sign", str(world.p12), "--timestamp-url", "tsa.example.org"])
    assert exit_info.value.code == 1
    assert "the timestamp URL must start with http://" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("key", "passphrase", "message"),
    [
        ("p12", b"wrong", "wrong passphrase"),
        ("p12", None, "needs a passphrase"),
        ("expired_p12", pki.PASSPHRASE, "the certificate expired on"),
        ("not_yet_valid_p12", pki.PASSPHRASE, "not valid before"),
        ("key_only_p12", pki.PASSPHRASE, "a private key but no certificate"),
        ("encipher_p12", pki.PASSPHRASE, "the certificate is not for signing"),
        ("ca_pem", None, "not a PKCS#12 key file"),
        ("truncated", pki.PASSPHRASE, "not a PKCS#12 key file"),
        ("missing", None, "does not exist"),
    ],
)
def test_bad_keys_are_one_line_signing_errors(world, unsigned, key, passphrase, message, tmp_path):
    if key == "truncated":
        path = tmp_path / "truncated.p12"
        path.write_bytes(world.p12.read_bytes()[:700])
    elif key == "missing":
        path = tmp_path / "nope.p12"
    else:
        path = getattr(world, key)
    with pytest.raises(SigningError, match=message) as info:
        sign.sign(unsigned, sign.SignOptions(key=path, passphrase=passphrase), field_box=None)
    text = str(info.value)
    assert "\n" not in text and str(path) in text
    assert pki.PASSPHRASE.decode() not in text


def test_passphrase_from_environment_prompt_or_none(world, monkeypatch):
    monkeypatch.delenv(sign.PASSPHRASE_ENV, raising=False)
    assert sign.resolve_passphrase(world.p12_open, None) is None  # no passphrase needed, none asked
    asked = []
    assert sign.resolve_passphrase(world.p12, lambda prompt: asked.append(prompt) or "typed") == b"typed"
    assert asked == ["Passphrase for signer.p12"]
    with pytest.raises(SigningError, match=sign.PASSPHRASE_ENV):
        sign.resolve_passphrase(world.p12, None)  # no terminal: a clear error, not a hang
    monkeypatch.setenv(sign.PASSPHRASE_ENV, "from env")
    assert sign.resolve_passphrase(world.p12, lambda prompt: pytest.fail("must not prompt")) == b"from env"


def test_a_passphrase_for_a_key_file_without_one_is_not_an_error(world, unsigned):
    # e.g. LETTER_PDF_P12_PASSPHRASE is set for another key
    result = sign.sign(unsigned, options(world, key=world.p12_open, passphrase=b"for another key"), field_box=None)
    _, status = validate(result.pdf, world)
    assert status.bottom_line


def test_signing_options_repr_hides_the_passphrase(world):
    assert pki.PASSPHRASE.decode() not in repr(options(world))


# ------------------------------------------------------------------------------------------ the CLI


@pytest.fixture
def letter_file(tmp_path):
    path = tmp_path / "letter.md"
    path.write_text("---\ntitle: x\n---\nBody\n", encoding="utf-8")
    return path


def test_cli_wrong_passphrase_exits_1_and_writes_nothing(world, letter_file, monkeypatch, capsys):
    monkeypatch.setenv(sign.PASSPHRASE_ENV, "wrong")
    out = letter_file.with_name("out.pdf")
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(letter_file), "-o", str(out), "--sign", str(world.p12)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wrong passphrase" in err and "wrong" not in err.replace("wrong passphrase", "")
    assert not out.exists() and list(letter_file.parent.iterdir()) == [letter_file]


def test_cli_without_terminal_or_environment_says_how_to_give_the_passphrase(world, letter_file, monkeypatch, capsys):
    monkeypatch.delenv(sign.PASSPHRASE_ENV, raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(letter_file), "--sign", str(world.p12)])  # pytest's stdin is not a terminal
    assert exit_info.value.code == 1
    assert sign.PASSPHRASE_ENV in capsys.readouterr().err
    assert not letter_file.with_suffix(".pdf").exists()


@pytest.mark.parametrize("flag", [["--certify"], ["--invisible-signature"], ["--timestamp-url", "http://127.0.0.1:9/"]])
def test_cli_signing_flags_need_a_key(letter_file, flag, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(letter_file), *flag])
    assert exit_info.value.code == 1
    assert "needs a key to sign with" in capsys.readouterr().err


def test_cli_has_no_passphrase_option():
    from letter_pdf.cli import build

    assert not [p for p in build.params if "pass" in p.name]


# ------------------------------------------------------------------------------ end to end: build --sign


@pytest.fixture(scope="module")
def built(world, tmp_path_factory):
    """One letter built and signed through the public API (visible B-B)."""
    import letter_pdf

    from conftest import write_letter

    folder = tmp_path_factory.mktemp("e2e")
    letter = write_letter(folder / "letter")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(sign.PASSPHRASE_ENV, pki.PASSPHRASE.decode())
        result = letter_pdf.build(letter, output=folder / "signed.pdf", sign=world.p12)
    return letter, result


@pytest.mark.slow
def test_built_letter_is_signed_over_the_entire_file(built, world):
    from letter_pdf import verify

    _, result = built
    report = verify.verify_pdf(result.output, trust=(world.ca_pem,))
    assert report.ok, report.reasons
    assert (report.intact, report.valid, report.trusted, report.coverage) == (True, True, True, "entire file")
    assert report.signer == "Maria Ковальчук, Test Coalition"
    assert "signed by Maria Ковальчук, Test Coalition" in result.notes


@pytest.mark.slow
def test_built_letter_has_its_visible_signature_on_the_signature_block_page(built):
    _, result = built
    reader = PdfReader(result.output)
    pages = [i for i, page in enumerate(reader.pages) for a in page.get("/Annots", [])
             if a.get_object().get("/FT") == "/Sig"]
    assert len(pages) == 1
    page = reader.pages[pages[0]]
    assert "Yours sincerely," in page.extract_text()  # the block is kept with the closing line
    widget = next(a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig")
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    box = page.mediabox
    assert float(box.left) <= x0 < x1 <= float(box.right) and float(box.bottom) <= y0 < y1 <= float(box.top)
    assert "/N" in widget["/AP"]


@pytest.mark.slow
def test_built_letter_keeps_a_true_pdfa_claim(built):
    _, result = built
    with pikepdf.open(result.output) as pdf:
        claim = pdf.open_metadata().pdfa_status
    assert claim.startswith("3")
    assert pdfa.signature_problems(result.output.read_bytes()) == []
    assert not any("PDF/A" in n and "removed" in n for n in result.notes)
    with pikepdf.open(result.output) as pdf:
        assert pdf.check_pdf_syntax() == []  # qpdf finds nothing wrong with the signed file's structure


@pytest.mark.slow
def test_cli_build_certified_invisible_then_verify(built, world, tmp_path, monkeypatch, capsys):
    letter, _ = built
    out = tmp_path / "certified.pdf"
    monkeypatch.setenv(sign.PASSPHRASE_ENV, pki.PASSPHRASE.decode())
    with pytest.raises(SystemExit) as info:
        main(["build", str(letter), "-o", str(out), "--sign", str(world.p12), "--certify", "--invisible-signature"])
    captured = capsys.readouterr()
    assert info.value.code in (0, None), captured.err
    assert str(out) in captured.out
    assert "certified (no changes allowed) by Maria Ковальчук" in captured.err
    with pytest.raises(SystemExit) as info:
        main(["verify", str(out), "--trust", str(world.ca_pem)])
    captured = capsys.readouterr()
    assert info.value.code in (0, None), captured.err
    assert "certification signature: yes" in captured.out and "coverage: entire file" in captured.out


@pytest.mark.slow
def test_cli_build_with_unreachable_timestamp_server_writes_nothing(built, world, tmp_path, monkeypatch, capsys):
    letter, _ = built
    out = tmp_path / "never.pdf"
    monkeypatch.setenv(sign.PASSPHRASE_ENV, pki.PASSPHRASE.decode())
    with pki.RefusingPort() as port, pytest.raises(SystemExit) as info:
        main(["build", str(letter), "-o", str(out), "--sign", str(world.p12), "--timestamp-url", port.url])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "timestamp server" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_visible_signature_is_tagged_for_screen_readers(signed):
    with pikepdf.open(io.BytesIO(signed.pdf)) as pdf:
        tree = pdf.Root.StructTreeRoot
        widget = next(a for a in pdf.pages[1].Annots if a.get("/FT") == "/Sig")
        key = int(widget.StructParent)
        nums = list(tree.ParentTree.Nums)
        element = dict(zip(nums[::2], nums[1::2]))[key]
        assert element.S == "/Form" and str(element.Alt) == "Digital signature of Maria Ковальчук, Test Coalition"
        assert element.K.Type == "/OBJR" and element.K.Obj.objgen == widget.objgen
        assert element.K.Pg.objgen == pdf.pages[1].objgen
        assert int(tree.ParentTreeNextKey) == key + 1
        assert any(kid.objgen == element.objgen for kid in element.P.K)  # reachable from the document element
        assert int(pdf.Root.AcroForm.SigFlags) == 3
        assert sum(1 for p in pdf.pages for a in p.get("/Annots", []) if a.get("/FT") == "/Sig") == 1


def test_cli_prompt_does_not_echo_the_passphrase():
    from click.testing import CliRunner

    from letter_pdf.cli.commands import build as cli

    runner = CliRunner()
    with runner.isolation(input="s3cret-typed\n") as (out, err, *_):
        answer = cli._ask_passphrase("Passphrase for key.p12")
        shown = out.getvalue() + (err.getvalue() if err is not None else b"")
    assert answer == "s3cret-typed"
    assert b"Passphrase for key.p12" in shown and b"s3cret-typed" not in shown


@pytest.mark.slow
def test_built_letter_signature_speaks_the_letters_language(world, tmp_path, monkeypatch):
    import letter_pdf

    from conftest import write_letter

    letter = write_letter(tmp_path / "fr", front={"lang": "fr"})
    monkeypatch.setenv(sign.PASSPHRASE_ENV, pki.PASSPHRASE.decode())
    out = letter_pdf.build(letter, output=tmp_path / "fr.pdf", sign=world.p12, cover=False).output
    with pikepdf.open(out) as pdf:
        widget = next(a for p in pdf.pages for a in p.get("/Annots", []) if a.get("/FT") == "/Sig")
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        element = dict(zip(nums[::2], nums[1::2]))[int(widget.StructParent)]
        assert str(element.Alt).startswith("Signature électronique de ")
        spans = [str(op.operands[1].ActualText) for op in pikepdf.parse_content_stream(widget.AP.N)
                 if str(op.operator) == "BDC" and "/ActualText" in op.operands[1]]
        assert spans[0].startswith("Signé électroniquement par ")


def test_the_note_names_every_reason_the_claim_was_removed(world, unsigned, monkeypatch):
    """One reason may be incidental (a compressed stream that happens to end with CR): the summary lists them
    all, so the reason that matters is never hidden behind it."""
    from letter_pdf.pdf import pdfa

    reasons = ["a stream's data ends with a carriage return (ISO 19005-2 6.1.7.1)",
               "signature widget on page 2: DeviceRGB colour without an RGB output intent"]
    monkeypatch.setattr(pdfa, "signature_problems", lambda pdf: list(reasons))
    result = sign.sign(unsigned, options(world), field_box=pki.SAMPLE_BOX)
    assert result.pdfa_kept is False
    assert result.notes[1] == ("PDF/A-3A claim removed: the signature's appearance does not conform "
                               f"({reasons[0]}; {reasons[1]})")
