"""Retrieval: dense and BM25 rankings fused by rank, behind one Backend (the index folder's FAISS, or Milvus)."""
