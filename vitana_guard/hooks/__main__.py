import sys

from vitana_guard.hooks.client import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
