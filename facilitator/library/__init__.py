"""Protocol and instrument files: their format, their loading, and the catalog of them."""
