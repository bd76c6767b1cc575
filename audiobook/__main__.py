"""``python -m audiobook``: the same command as ``audiobook``."""

if __name__ == "__main__":  # not when a spawned synthesis worker imports this module
    from audiobook.cli import main

    main()
