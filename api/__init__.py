"""The REST API (issue 18 item 2): the desk's objects over HTTP, through the same policies and services."""
