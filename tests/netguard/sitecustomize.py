# Loaded by every Python process started during the tests (see _netguard.py).
import _netguard

_netguard.install()
