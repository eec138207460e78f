"""``sim serve``: the what-if page. :mod:`.whatif` (the controls and the answer), :mod:`.page`
(its HTML), :mod:`.app` (the web application)."""
