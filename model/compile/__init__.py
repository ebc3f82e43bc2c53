"""A validated scenario compiled to the numbers both engines read (the `Spec`), and whole-scenario
validation, which needs those numbers. Imports only `model.scenario`."""
