"""HTTP routes served beside the Streamlit pages by the ASGI app of server.py (Starlette).

They call the same services as the pages: same validation, permissions, audit and French messages.
"""
