"""`qa-bot bench`: generated corpora of any size, build/size/memory/latency per size,
a LangChain peer (the [bench] extra).
"""
