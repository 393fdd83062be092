#!/usr/bin/env python
"""Same as the ``heatwatch`` command, for those used to manage.py."""

from heatwatch.cli import main

if __name__ == "__main__":
    main()
