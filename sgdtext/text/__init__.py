"""Text to features: analysers (words, n-grams, character n-grams), the featuriser (vocabulary or hashing, tf-idf,
hand-made columns) and the compiled tokeniser. Imports numpy, sgdtext.core, sgdtext.io.documents, sgdtext.config
and sgdtext.errors; knows no models."""
