"""The parts of the Saisie terrain page (`diagnostics/ui/saisie.py` keeps `page()`):

- `drafts`: what is typed is saved as a server-side draft on every change, and offered back;
- `device`: this browser's id (a cookie), so that one account on two phones keeps two drafts;
- `notices`: confirmations shown where the action was taken;
- `diagnostic`: the diagnostic picker and the new-diagnostic form;
- `position`: the field map (tap, draw, locate) and typed coordinates or a place search;
- `observation_form`: the observation's fields, photos and « Enregistrer »;
- `grid`: the situational-prevention grid and its scores;
- `closing`: the fiche PDF and closing the diagnostic.
"""
