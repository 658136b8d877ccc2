"""The Rewire dashboard's components (served by ``server.py``).

- :mod:`visualization.app`: the assembled page;
- :mod:`visualization.controls`: parameter inputs and playback buttons;
- :mod:`visualization.scenarios_picker`: presets from ``scenarios/``;
- :mod:`visualization.session`: one browser session's model and pictures;
- :mod:`visualization.plots`, :mod:`visualization.network`: the matplotlib pictures;
- :mod:`visualization.layout`, :mod:`visualization.raster`: node positions and edge drawing;
- :mod:`visualization.offline_assets`: the page's JavaScript and CSS, served locally.
"""
