"""The course's command line: ``python -m fercourse data import <dataset> <download>``.

The commands live in :mod:`fercourse.data.importer`.
"""

import sys

from fercourse.data.importer import main

if __name__ == "__main__":
    sys.exit(main())
