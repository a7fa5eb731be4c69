"""finsam: a samordningsförbund's quarterly follow-up workbook from its source files.

The library is the product; the ``finsam`` command line (:mod:`finsam.cli`) and the Excel
add-in (:mod:`finsam.excel`) only parse their inputs, call it and turn its errors into
messages.
"""

__version__ = "0.1.0"
