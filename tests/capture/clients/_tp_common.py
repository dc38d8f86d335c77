# Shared by the third-party Python clients: the mode from argv and the logging setup.
# Modes: uncaught (traceback on stderr), logged (logging.exception), logerror (logger.error("...: %s", e)).
import logging
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "uncaught"
BASE = "http://127.0.0.1:8765"

if MODE in ("logged", "logerror"):
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("app")


def run(call):
    """Run call() the way MODE says."""
    if MODE == "uncaught":
        call()
        return
    try:
        call()
    except Exception as e:  # noqa: BLE001 - we want whatever the library raised
        if MODE == "logged":
            log.exception("request failed")
        else:
            log.error("request failed: %s", e)
