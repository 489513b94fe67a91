"""``python -m tap_exact`` and the ``tap-exact`` command."""

from tap_exact.collector import freeze_for_process, gc_paused


def main() -> None:
    # The imports (singer-sdk's most of all) with the cyclic collector paused and their objects
    # frozen after (collector.py).
    with gc_paused(freeze=True):
        from tap_exact.tap import TapExact
    try:
        TapExact.cli()  # ends in SystemExit
    finally:
        # What is alive now lives until the process ends: frozen, the interpreter's exit neither
        # walks it nor frees it object by object (the OS takes the memory back at once).
        freeze_for_process()


if __name__ == "__main__":
    main()
