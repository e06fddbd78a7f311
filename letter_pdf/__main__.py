"""``python -m letter_pdf``: the same as the ``letter-pdf`` command."""

from letter_pdf.cli import main

if __name__ == "__main__":
    main()
