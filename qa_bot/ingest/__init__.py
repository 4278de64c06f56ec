"""Reading files into Documents (txt, html, pdf, docx), their metadata, chunks of whole sentences, uploads."""
