"""``make bench``: the figures of issue #9, measured on the large generated dataset."""
