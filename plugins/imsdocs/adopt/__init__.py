"""Adopting imsdocs: start a new IMS repository (`imsdocs new`), or bring existing Markdown documents in
(`imsdocs import`: front matter for files that have none or too little, clauses mapped onto them from a
Statement of Applicability or a CSV table)."""
