"""History: the files of ``data/history/`` (:mod:`sim.data.files`) and ``sim data fetch`` (:mod:`sim.data.fetch`)."""
