"""HotGlue compatibility (``stream_naming: hotglue``): hotgluexyz/tap-exact's names, keys, flags and
state, as a thin mapping onto the registry's stream families. See docs/hotglue.md."""
