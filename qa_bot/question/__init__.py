"""Reading a question: diacritics restored, abbreviations and English terms, its type, provinces and years, filters."""
