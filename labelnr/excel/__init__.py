"""The auditor's Excel evidence workbook: export, offline review, re-import without loss.

For a page or a command, in order:

- :func:`labelnr.excel.from_store.workbook_data` (a stored campaign, optionally ``as_of`` a
  past date) or :func:`labelnr.excel.from_file.from_path` (an interchange YAML file) gives a
  :class:`labelnr.excel.model.WorkbookData`;
- :func:`labelnr.excel.export.workbook_bytes` writes the workbook;
  :func:`labelnr.excel.pack.write_pack` the evidence pack (workbook, files, manifest);
- :func:`labelnr.excel.reimport.read_workbook` checks an uploaded file (hostile-file checks of
  :mod:`labelnr.excel.safety` first) and reads it; :func:`labelnr.excel.reimport.preview`
  compares it with the campaign as it is now (``workbook_data`` again) and lists every
  change, or raises :class:`labelnr.errors.InvalidFile` with every problem (sheet, cell,
  criterion); :func:`labelnr.excel.reimport.describe` words the changes;
- :func:`labelnr.excel.from_store.apply_import` saves them all in one transaction, or none.

Nothing here imports streamlit; labels come from ``labelnr/locales/excel.yaml``.
"""
