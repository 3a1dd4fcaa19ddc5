import os

os.environ.setdefault("ONESTORY_ENV", "test")
