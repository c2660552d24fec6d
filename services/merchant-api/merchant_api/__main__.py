"""``python -m merchant_api``: run the service (see server.py)."""
import sys

from .server import main

sys.exit(main())
