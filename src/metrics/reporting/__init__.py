"""Reporting: processed tables in, figures, sentences, charts, workbooks and PDFs out."""
