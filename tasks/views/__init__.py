"""The reporting pages, one module per page or group of pages."""

PAGE_SIZE = 20
