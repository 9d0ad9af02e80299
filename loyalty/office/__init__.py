"""The back office's staff pages beyond the model admin (the till screen...), in the top layer."""
