// newsletter: progressive enhancement; the page works without it.
