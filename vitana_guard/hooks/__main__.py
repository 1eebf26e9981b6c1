"""`python -m vitana_guard.hooks AGENT [...]` runs the native hook on this process's
stdio; `python -m vitana_guard.hooks compile-pack --key K [--config PATH]` is what the
native hook runs to compile a rule pack that is not cached."""
import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["compile-pack"]:
        from vitana_guard.hooks import compile as _compile

        sys.exit(_compile.main(sys.argv[2:]))
    from vitana_guard.hooks import agents

    sys.exit(agents.main(sys.argv[1:]))
