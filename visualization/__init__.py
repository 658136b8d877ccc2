"""The Rewire dashboard's components (served by ``server.py``).

- :mod:`visualization.app`: the assembled page;
- :mod:`visualization.controls`: parameter inputs and playback buttons;
- :mod:`visualization.scenarios_picker`: presets from ``scenarios/``;
- :mod:`visualization.session`: one browser session's model and what its views are sent;
- :mod:`visualization.widgets`: the two views the browser draws (``static/views.js``);
- :mod:`visualization.plots`, :mod:`visualization.network`: the numbers behind each view;
- :mod:`visualization.layout`: node positions that drift smoothly;
- :mod:`visualization.limits`: how big a model one session may build;
- :mod:`visualization.offline_assets`: the page's JavaScript and CSS, served locally.
"""
