"""Adopting imsdocs: start a new IMS repository (`imsdocs new`), bring existing documents in (`imsdocs import`)."""
