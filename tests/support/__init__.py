"""Support code shared by the test folders (importable as ``support``: the pytest
``pythonpath`` in pyproject.toml puts ``tests`` on the path). Not a test folder."""
