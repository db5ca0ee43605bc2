"""The site shell: home page, `mesodesk demo` and `mesodesk serve`."""
