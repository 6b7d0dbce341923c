"""Adopting an existing set of documents: `imsdocs import` puts front matter on Markdown files that have none
or too little, and maps clauses onto them from a Statement of Applicability or a CSV table."""
