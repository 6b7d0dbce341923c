"""Outputs beside the site: the compliance diff for a pull request, exports, CODEOWNERS."""
