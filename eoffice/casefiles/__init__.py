"""Case files (hồ sơ) and the office archive: the yearly file list, filing, closing,
hand-over (nộp lưu), export and disposal (issue 7; decision 0017)."""
