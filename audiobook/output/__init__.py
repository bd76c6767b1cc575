"""Output: encoded pieces + Timeline -> the files a user keeps (MP3, M4B, one file per
chapter, WebVTT, the script as JSON), each written beside and renamed into place."""
