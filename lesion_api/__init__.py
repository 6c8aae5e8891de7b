"""The HTTP API's wire contract: every request and response shape, declared once as pydantic types.

The backend builds its answers with these types and generates /openapi.json from them; the page
parses the answers with the same types. Pydantic only: no numpy, no model code.
"""
