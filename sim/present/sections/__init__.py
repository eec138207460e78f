"""The report's sections, each a function of the results Datasets returning a
:class:`~sim.present.sections.blocks.Section`; :mod:`sim.present.document` orders and renders
them."""
