"""What the Jinja2 pages need from Python: a form field as an NHS macro's parameters
(`fields`), the query string of a list's links (`querystring`), and the few values a component
is drawn from (`components`). No HTML is assembled here; the NHS macros draw it."""
