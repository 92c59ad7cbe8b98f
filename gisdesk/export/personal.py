"""The masking policy of every export, where the exporters look for it: gisdesk.layers.personal.

It lives on the layers floor so that whatever draws or writes layer attributes (render's labels,
the xlsx, PDF, SVG and HTML exports) can mask with the one policy; see that module for what is
personal and how it is masked.
"""

from gisdesk.layers.personal import (PERSONAL_WORDS, SCHEMA_PERSONAL, Masker, mask_frame, mask_value,  # noqa: F401
                                     masked_column, masked_labels, masked_note,
                                     personal_columns)

__all__ = ["PERSONAL_WORDS", "SCHEMA_PERSONAL", "Masker", "mask_frame", "mask_value", "masked_column", "masked_labels",
           "masked_note", "personal_columns"]
