"""Files: the document readers, atomic writes, the model file's safe container. Imports the standard library,
numpy (the model file), sgdtext.config and sgdtext.errors; no other sgdtext package."""
