"""`dayshift app`: the policy explorer, a local web page (Solara) where a commissioner moves the policy levers
of a scenario and sees, against a baseline, people in work, spend by year, the cashable saving, the break-even
year and the waiting list, with the spread of a few runs.

The layer sits between `output` and `cli`: `levers` reads and sets the levers in a scenario's data, `explore`
runs the comparison and prepares the downloads (with the project's own writers), `charts` draws the figures,
`page` is the Solara page and `serve` starts the local server. Only `page` and `serve` import Solara.
"""
