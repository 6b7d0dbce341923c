"""The IMS as data: catalogues, documents, applicability, correspondence and people, read from files."""
