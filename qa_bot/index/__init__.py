"""The index folder: build and load, its manifest, the generation store, the dense index, the vocabulary."""
