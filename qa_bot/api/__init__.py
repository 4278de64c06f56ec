"""qa-bot over HTTP (`qa-bot serve`, the [api] extra): the answers of `ask --jsonl`, documents and facts."""
