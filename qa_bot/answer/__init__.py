"""The answer layer: the sentence of the top passages that answers, and a short span in it."""
