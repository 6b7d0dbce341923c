"""The forges (GitHub, GitLab): their REST APIs, and the commands CI jobs run against them."""
