"""The site: the MkDocs adapter (`plugin`), and the pages it adds (`rendering`, `links`, templates)."""
