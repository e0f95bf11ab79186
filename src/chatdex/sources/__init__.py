"""One module per export format. Each turns one top-level record of its export into a
normalized Conversation, or raises ExportFormatError for a record it cannot use."""
