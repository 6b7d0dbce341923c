"""What the IMS satisfies: coverage of each standard's requirements and the Statement of Applicability."""
