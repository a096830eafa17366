"""folium.Popup without jQuery.

folium's Popup turns its HTML into an element with jQuery (`$(`…`)[0]`), so every map with a
popup loads jQuery, one more script that streamlit-folium loads before drawing the map. Leaflet
takes the same HTML as a string itself: this Popup hands it over as the same template literal
(the content is escaped for one by `escaping.escape_text`), and says it needs no jQuery
(`assets.unused_files` then leaves jQuery out of the map).
"""

from __future__ import annotations

import folium
from folium.template import Template


class Popup(folium.Popup):
    uses_jquery = False

    _template = Template(
        """
        var {{ this.get_name() }} = L.popup({{ this.options|tojavascript }});
        {% for name, element in this.html._children.items() %}
            {{ this.get_name() }}.setContent(`{{ element.render(**kwargs).replace('\\n',' ') }}`);
        {% endfor %}
        {{ this._parent.get_name() }}.bindPopup({{ this.get_name() }}){% if this.show %}.openPopup(){% endif %};
        {% for name, element in this.script._children.items() %}
            {{ element.render() }}
        {% endfor %}
        """
    )

    def __init__(self, html: str, **kwargs):
        if kwargs.get("lazy"):
            raise ValueError("a lazy popup is not drawn without jQuery here")
        super().__init__(html, **kwargs)
