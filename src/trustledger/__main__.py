"""``python -m trustledger`` runs the ``trustledger`` command line."""

from trustledger.cli import main

if __name__ == "__main__":
    main()
